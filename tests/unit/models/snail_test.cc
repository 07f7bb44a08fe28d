#include "libattn/models/snail.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/model_gradcheck.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 10;

SnailConfig tiny_config() {
  SnailConfig c;
  c.src_vocab = kVocab;
  c.tgt_vocab = kVocab;
  c.embed = 8;
  c.filters = 4;
  c.dilations = 3;
  c.key_size = 4;
  c.value_size = 6;
  c.blocks = 2;
  return c;
}

// Copy of short sentences of different lengths: src [B, S], tgt_in = BOS + src,
// tgt_out = src + EOS, padded with 0.
struct Batch {
  std::vector<std::vector<int32_t>> sources;
  Tensor src, tgt_in, tgt_out;
};

Batch copy_batch() {
  Batch b;
  b.sources = {{4, 5, 6, 7, 8}, {9, 8, 7, 4}, {5, 5, 9}, {6, 4, 8, 9, 5}};
  const int64_t batch = 4, length = 5, steps = 6;
  b.src = Tensor::zeros({batch, length}, DType::kI32);
  b.tgt_in = Tensor::zeros({batch, steps}, DType::kI32);
  b.tgt_out = Tensor::zeros({batch, steps}, DType::kI32);
  for (int64_t r = 0; r < batch; ++r) {
    const auto& s = b.sources[r];
    b.tgt_in.ints()[r * steps] = 2;
    for (size_t i = 0; i < s.size(); ++i) {
      b.src.ints()[r * length + i] = s[i];
      b.tgt_in.ints()[r * steps + 1 + i] = s[i];
      b.tgt_out.ints()[r * steps + i] = s[i];
    }
    b.tgt_out.ints()[r * steps + s.size()] = 3;
  }
  return b;
}

TEST(SnailModel, FeatureChannelsGrowByEachBlock) {
  Rng rng(1);
  SnailModel model(tiny_config(), rng);
  // Channels: 8 + 3·4 + 6 + 3·4 + 6 = 44.
  EXPECT_EQ(model.parameters().back().second.dim(0), kVocab);
  EXPECT_EQ(model.feature_channels(), 44);
}

// Learns to reproduce one small copy batch, and greedy and beam search decode it.
TEST(SnailModel, OverfitsOneBatch) {
  Batch batch = copy_batch();
  Rng rng(4);
  SnailModel model(tiny_config(), rng);
  Adam adam(model.parameters());
  float loss = 0;
  for (int step = 0; step < 200; ++step) {
    Var logits = model.forward(batch.src, batch.tgt_in, {true, &rng});
    auto ce = cross_entropy(logits, batch.tgt_out, {.label_smoothing = 0.0f, .ignore_index = 0});
    loss = ce.loss.value().item();
    adam.zero_grad();
    tape().backward(ce.loss);
    adam.step(1e-2f);
  }
  EXPECT_LT(loss, 0.05f);
  BeamOptions options;
  options.beam_size = 3;
  const std::vector<NBest> greedy = greedy_search(model, batch.sources, options);
  const std::vector<NBest> beam = beam_search(model, batch.sources, options);
  for (size_t r = 0; r < batch.sources.size(); ++r) {
    EXPECT_EQ(greedy[r][0].tokens, batch.sources[r]) << "row " << r;
    EXPECT_EQ(beam[r][0].tokens, batch.sources[r]) << "row " << r;
  }
}

TEST(SnailModel, PaddingChangesNothing) {
  Rng rng(6);
  SnailModel model(tiny_config(), rng);
  NoGrad no_grad;
  auto fresh = model.encode({{7, 8}, {4, 5, 6}});
  model.step(*fresh, {2, 2}, nullptr);
  model.step(*fresh, {7, 4}, nullptr);
  Tensor direct = model.step(*fresh, {9, 5}, nullptr).contiguous();
  auto alone = model.encode({{7, 8}});  // no padding at all
  model.step(*alone, {2}, nullptr);
  model.step(*alone, {7}, nullptr);
  Tensor unpadded = model.step(*alone, {9}, nullptr).contiguous();
  for (int64_t v = 0; v < kVocab; ++v) {
    EXPECT_NEAR(direct[v], unpadded[v], 1e-5);
  }
  Tensor tgt = Tensor::from_ints({1, 3}, {2, 6, 7});
  Tensor padded = model.forward(Tensor::from_ints({1, 5}, {4, 5, 6, 0, 0}), tgt, {}).value();
  Tensor exact = model.forward(Tensor::from_ints({1, 3}, {4, 5, 6}), tgt, {}).value();
  for (int64_t i = 0; i < exact.numel(); ++i) EXPECT_NEAR(padded[i], exact[i], 1e-5);
}

// The source is context: changing a source token changes the target logits, changing a
// later target token does not change earlier logits (causality).
TEST(SnailModel, SeesTheSourceAndNotTheFuture) {
  Rng rng(7);
  SnailModel model(tiny_config(), rng);
  NoGrad no_grad;
  const Tensor a =
      model.forward(Tensor::from_ints({1, 3}, {4, 5, 6}), Tensor::from_ints({1, 3}, {2, 6, 7}), {})
          .value();
  const Tensor b =
      model.forward(Tensor::from_ints({1, 3}, {9, 5, 6}), Tensor::from_ints({1, 3}, {2, 6, 7}), {})
          .value();
  const Tensor c =
      model.forward(Tensor::from_ints({1, 3}, {4, 5, 6}), Tensor::from_ints({1, 3}, {2, 6, 8}), {})
          .value();
  double source_effect = 0;
  for (int64_t v = 0; v < kVocab; ++v) source_effect += std::abs(a[v] - b[v]);
  EXPECT_GT(source_effect, 1e-4);
  for (int64_t i = 0; i < 2 * kVocab; ++i) EXPECT_EQ(a[i], c[i]);
}

TEST(SnailModel, ModelGradientsMatchFiniteDifferences) {
  Batch batch = copy_batch();
  Rng rng(9);
  SnailModel model(tiny_config(), rng);
  Tensor weights = Tensor::empty_heap({4, 6, kVocab});
  for (int64_t i = 0; i < weights.numel(); ++i) weights[i] = 2.0f * rng.uniform() - 1.0f;
  // A random weighting of the logits: every output reaches the loss with its own sign.
  testing::check_model_gradients(
      model.parameters(),
      [&] { return sum(mul(model.forward(batch.src, batch.tgt_in, {}), Var(weights))); }, rng,
      "snail", {.atol = 3e-3});
}

}  // namespace
}  // namespace attn
