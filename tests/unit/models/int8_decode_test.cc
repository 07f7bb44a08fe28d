// Decoding with --compute-type int8 (models/compute_type.h): every architecture's weight
// matrices get int8 copies that decoding really uses (its log-probabilities move a little),
// and the result stays close to fp32: the same greedy tokens on a random model, and
// log-probabilities within a tolerance.
#include "libattn/models/compute_type.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/models/registry.h"

namespace attn {
namespace {

// Log-probabilities of 4 greedy steps over two sources of different lengths.
std::vector<float> decode_log_probs(Seq2SeqModel& model) {
  NoGrad no_grad;
  auto state = model.encode({{4, 5, 6, 7, 8, 9}, {10, 11, 12}});
  std::vector<int32_t> prev = {model.bos_id(), model.bos_id()};
  std::vector<float> out;
  for (int t = 0; t < 4; ++t) {
    Tensor lp = model.step(*state, prev, nullptr).contiguous();
    const int64_t vocab = lp.dim(1);
    for (int64_t r = 0; r < 2; ++r) {
      const float* row = lp.data() + r * vocab;
      out.insert(out.end(), row, row + vocab);
      prev[r] = static_cast<int32_t>(std::max_element(row, row + vocab) - row);
    }
  }
  return out;
}

void expect_int8_close_to_fp32(const std::string& architecture, ConfigMap config) {
  config["src_vocab"] = config["tgt_vocab"] = "40";
  Rng rng(3);
  auto model = create_model(architecture, config, rng);
  const std::vector<float> fp32 = decode_log_probs(*model);
  std::vector<float> int8;
  {
    auto weights = prepare_compute_type(*model, ComputeType::kInt8);
    ASSERT_TRUE(weights);
    EXPECT_GT(weights->count(), 3) << architecture;
    int8 = decode_log_probs(*model);
  }
  EXPECT_EQ(decode_log_probs(*model), fp32) << "fp32 again once the int8 copies are gone";
  double worst = 0, moved = 0;
  for (size_t i = 0; i < fp32.size(); ++i) {
    worst = std::max(worst, std::fabs(double{int8[i]} - fp32[i]));
    moved += std::fabs(double{int8[i]} - fp32[i]);
  }
  EXPECT_GT(moved, 0.0) << architecture << ": the int8 path was not taken";
  // Log-probabilities of a random tiny model (d_model 16: dot products of 16 to 64 terms,
  // each rounded per row to 1/254 of its largest entry), measured 0.074 at most.
  EXPECT_LT(worst, 0.2) << architecture;
}

TEST(Int8Decode, TransformerCloseToFp32) {
  expect_int8_close_to_fp32("transformer", default_config("transformer", "tiny"));
}

TEST(Int8Decode, RnnCloseToFp32) {
  for (const char* cell : {"gru", "lstm"}) {
    ConfigMap config = default_config("rnn", "tiny");
    config["cell"] = cell;
    expect_int8_close_to_fp32("rnn", config);
  }
}

TEST(Int8Decode, NamesSkipLookupTablesButKeepATiedOutput) {
  Rng rng(4);
  ConfigMap config = default_config("transformer", "tiny");
  config["src_vocab"] = config["tgt_vocab"] = "40";
  config["tie_output"] = "false";
  auto untied = create_model("transformer", config, rng);
  std::vector<std::string> names = int8_weight_names(*untied);
  EXPECT_EQ(std::count(names.begin(), names.end(), "decoder.embed_tokens.weight"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "decoder.output_projection.weight"), 1);
  config["tie_output"] = "true";
  auto tied = create_model("transformer", config, rng);
  names = int8_weight_names(*tied);
  EXPECT_EQ(std::count(names.begin(), names.end(), "decoder.embed_tokens.weight"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "encoder.embed_tokens.weight"), 0);
}

TEST(Int8Decode, ComputeTypeNames) {
  EXPECT_EQ(parse_compute_type("int8"), ComputeType::kInt8);
  EXPECT_EQ(parse_compute_type("fp32"), ComputeType::kFp32);
  EXPECT_EQ(parse_compute_type("bf16"), ComputeType::kBf16);
  EXPECT_THROW(parse_compute_type("int4"), InputError);
}

}  // namespace
}  // namespace attn
