#include "libattn/models/ntm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"
#include "libattn/train/grad_clip.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/model_gradcheck.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 10;

NtmConfig tiny_config(ControllerType controller) {
  NtmConfig c;
  c.src_vocab = kVocab;
  c.tgt_vocab = kVocab;
  c.embed = 8;
  c.controller = controller;
  c.controller_size = 16;
  c.memory_slots = 8;
  c.memory_width = 6;
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

std::vector<NtmConfig> config_table() {
  std::vector<NtmConfig> table = {
      tiny_config(ControllerType::kLstm), tiny_config(ControllerType::kGru),
      tiny_config(ControllerType::kFeedForward), tiny_config(ControllerType::kLstm)};
  table[1].read_heads = 2;
  table[1].write_heads = 2;
  table[2].shift_range = 2;
  table[3].output_feed = OutputFeed::kNone;  // blank inputs after the delimiter
  return table;
}

std::string describe(const NtmConfig& config) {
  return std::string(controller_name(config.controller)) + "/" +
         output_feed_name(config.output_feed);
}

// The bounds of each field are the contract test's (model_contract_test.cc); the shifts must
// fit the memory.
TEST(NtmSeq2Seq, ConfigRefusesMoreShiftsThanSlots) {
  ConfigMap map = tiny_config(ControllerType::kLstm).to_map();
  map["shift_range"] = "4";  // 9 shifts, 8 slots
  EXPECT_THROW(NtmConfig::from_map(map), InputError);
  map["shift_range"] = "3";
  EXPECT_NO_THROW(NtmConfig::from_map(map));
}

// No tensor's shape follows from memory_slots, so a crafted file could otherwise make every
// decoded row allocate slots x width floats (the model_load fuzzer found 64 GiB).
TEST(NtmSeq2Seq, ConfigRefusesAMemoryTooLargeForARow) {
  ConfigMap map = tiny_config(ControllerType::kLstm).to_map();
  map["memory_slots"] = "65537";
  EXPECT_THROW(NtmConfig::from_map(map), InputError);
  map["memory_slots"] = "4096";
  map["memory_width"] = "257";  // 4096 x 257 > 2^20 floats
  EXPECT_THROW(NtmConfig::from_map(map), InputError);
  map["memory_width"] = "256";
  EXPECT_NO_THROW(NtmConfig::from_map(map));
}

TEST(NtmSeq2Seq, ParameterShapes) {
  Rng rng(1);
  auto model = create_model("ntm", tiny_config(ControllerType::kLstm).to_map(), rng);
  std::map<std::string, Shape> shapes;
  for (auto& [name, var] : model->parameters())
    EXPECT_TRUE(shapes.emplace(name, var.shape()).second) << "duplicate " << name;
  EXPECT_EQ(shapes.at("controller.weight_ih_l0"), (Shape{64, 8 + 6}));        // 4H, E + R·M
  EXPECT_EQ(shapes.at("heads.read.0.weight"), (Shape{6 + 3 + 3, 16}));        // k, β g γ, s
  EXPECT_EQ(shapes.at("heads.write.0.weight"), (Shape{6 + 3 + 3 + 12, 16}));  // + e, a
  EXPECT_EQ(shapes.at("output_projection.weight"), (Shape{kVocab, 16 + 6}));
}

TEST(NtmSeq2Seq, ForwardShapesAndWeightings) {
  Rng rng(2);
  NtmSeq2Seq model(tiny_config(ControllerType::kLstm), rng);
  Batch batch = copy_batch();
  std::map<std::string, Tensor> maps;
  Var logits = model.forward(batch.src, batch.tgt_in, {}, &maps);
  EXPECT_EQ(logits.shape(), (Shape{4, 6, kVocab}));
  ASSERT_EQ(maps.at("attention").shape(), (Shape{4, 6, 8}));
  ASSERT_EQ(maps.at("write").shape(), (Shape{4, 11, 8}));
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t t = 0; t < 11; ++t) {
      double read = 0, write = 0;
      for (int64_t i = 0; i < 8; ++i) {
        read += maps.at("read")[(r * 11 + t) * 8 + i];
        write += maps.at("write")[(r * 11 + t) * 8 + i];
      }
      // Padded source steps are zero rows; every other step is a distribution.
      const bool padded = t < 5 && t >= static_cast<int64_t>(batch.sources[r].size());
      EXPECT_NEAR(read, padded ? 0.0 : 1.0, 1e-5) << r << " " << t;
      EXPECT_NEAR(write, padded ? 0.0 : 1.0, 1e-5) << r << " " << t;
    }
}

// Each controller learns to reproduce one small copy batch, and greedy and beam search
// (through encode/step/reorder) decode it.
TEST(NtmSeq2Seq, OverfitsOneBatchForEveryController) {
  Batch batch = copy_batch();
  for (const NtmConfig& config : config_table()) {
    Rng rng(4);
    NtmSeq2Seq model(config, rng);
    Adam adam(model.parameters());
    float loss = 0;
    for (int step = 0; step < 400; ++step) {
      Var logits = model.forward(batch.src, batch.tgt_in, {true, &rng});
      auto ce = cross_entropy(logits, batch.tgt_out, {.label_smoothing = 0.0f, .ignore_index = 0});
      loss = ce.loss.value().item();
      adam.zero_grad();
      tape().backward(ce.loss);
      // As attn-train clips by default: without it Adam at 1e-2 spikes now and then (loss
      // 0.004 -> 0.1 -> 0.009 here), and where a spike falls moves with the build's rounding.
      clip_grad_norm(model.parameters(), 1.0f);
      adam.step(1e-2f);
    }
    const std::string name = describe(config);
    EXPECT_LT(loss, 0.05f) << name;
    BeamOptions options;
    options.beam_size = 3;
    options.return_alignment = true;
    const std::vector<NBest> greedy = greedy_search(model, batch.sources, options);
    const std::vector<NBest> beam = beam_search(model, batch.sources, options);
    for (size_t r = 0; r < batch.sources.size(); ++r) {
      EXPECT_EQ(greedy[r][0].tokens, batch.sources[r]) << name << " row " << r;
      EXPECT_EQ(beam[r][0].tokens, batch.sources[r]) << name << " row " << r;
      ASSERT_FALSE(beam[r][0].attention.empty()) << name;
    }
  }
}

// encode + step reproduces the teacher-forced forward pass, log-probabilities and read
// weightings both.
// OutputFeed::kNone: the delimiter's step sees BOS, every later step a blank input, whatever
// token came before.
TEST(NtmSeq2Seq, OutputFeedNoneIgnoresPreviousTokensAfterTheDelimiter) {
  // Logits of the second output step on the source 4 5 6, fed BOS and then `token`.
  auto second_step = [](OutputFeed feed, int32_t token) {
    NtmConfig config = tiny_config(ControllerType::kLstm);
    config.output_feed = feed;
    Rng rng(7);
    NtmSeq2Seq model(config, rng);
    NoGrad no_grad;
    auto state = model.encode({{4, 5, 6}});
    model.step(*state, {2}, nullptr);
    return model.step(*state, {token}, nullptr).contiguous();
  };
  const Tensor blank_a = second_step(OutputFeed::kNone, 4),
               blank_b = second_step(OutputFeed::kNone, 9);
  const Tensor fed_a = second_step(OutputFeed::kPrevious, 4),
               fed_b = second_step(OutputFeed::kPrevious, 9);
  bool fed_differ = false;
  for (int64_t v = 0; v < kVocab; ++v) {
    EXPECT_EQ(blank_a[v], blank_b[v]) << v;
    fed_differ = fed_differ || fed_a[v] != fed_b[v];
  }
  EXPECT_TRUE(fed_differ) << "OutputFeed::kPrevious should see the token";
}

TEST(NtmSeq2Seq, PaddingChangesNothing) {
  for (const NtmConfig& config : config_table()) {
    Rng rng(6);
    NtmSeq2Seq model(config, rng);
    NoGrad no_grad;
    Tensor tgt = Tensor::from_ints({1, 3}, {2, 6, 7});
    Tensor padded = model.forward(Tensor::from_ints({1, 5}, {4, 5, 6, 0, 0}), tgt, {}).value();
    Tensor exact = model.forward(Tensor::from_ints({1, 3}, {4, 5, 6}), tgt, {}).value();
    for (int64_t i = 0; i < exact.numel(); ++i) EXPECT_NEAR(padded[i], exact[i], 1e-6);
  }
}

// End to end: analytic gradients of a few elements of every parameter tensor against
// central differences of the whole machine (controller, both head kinds, memory).
TEST(NtmSeq2Seq, ModelGradientsMatchFiniteDifferences) {
  Batch batch = copy_batch();
  for (const NtmConfig& config : config_table()) {
    Rng rng(9);
    NtmSeq2Seq model(config, rng);
    Tensor weights = Tensor::empty_heap({4, 6, kVocab});
    for (int64_t i = 0; i < weights.numel(); ++i) weights[i] = 2.0f * rng.uniform() - 1.0f;
    // A random weighting of the logits: every output reaches the loss with its own sign.
    testing::check_model_gradients(
        model.parameters(),
        [&] { return sum(mul(model.forward(batch.src, batch.tgt_in, {}), Var(weights))); }, rng,
        describe(config), {.atol = 3e-3});
  }
}

}  // namespace
}  // namespace attn
