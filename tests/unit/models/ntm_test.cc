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
#include "tests/unit/models/overfit.h"

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

using Batch = testing::TeacherBatch;
using testing::copy_batch;

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
    // Clipped as attn-train clips by default: without it Adam at 1e-2 spikes now and then
    // (loss 0.004 -> 0.1 -> 0.009 here), and where a spike falls moves with the build's rounding.
    const std::string name = describe(config);
    const std::vector<NBest> beam =
        testing::expect_learns(model, batch, 400, rng, batch.targets, name, 1.0f);
    for (size_t r = 0; r < batch.sources.size(); ++r)
      ASSERT_FALSE(beam[r][0].attention.empty()) << name;
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

// End to end: analytic gradients of a few elements of every parameter tensor against
// central differences of the whole machine (controller, both head kinds, memory).
TEST(NtmSeq2Seq, ModelGradientsMatchFiniteDifferences) {
  Batch batch = copy_batch();
  for (const NtmConfig& config : config_table()) {
    Rng rng(9);
    NtmSeq2Seq model(config, rng);
    testing::check_logit_gradients(model, batch.src, batch.tgt_in, rng, describe(config),
                                   {.atol = 3e-3});
  }
}

}  // namespace
}  // namespace attn
