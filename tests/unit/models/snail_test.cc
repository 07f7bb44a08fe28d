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
#include "tests/unit/models/overfit.h"

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

using Batch = testing::TeacherBatch;
using testing::copy_batch;

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
  testing::expect_learns(model, batch, 200, rng, batch.targets, "snail");
}

// A row decoded beside a longer one (so with padding) decodes as it does alone.
TEST(SnailModel, PaddedRowDecodesAsAlone) {
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
  testing::check_logit_gradients(model, batch.src, batch.tgt_in, rng, "snail", {.atol = 3e-3});
}

}  // namespace
}  // namespace attn
