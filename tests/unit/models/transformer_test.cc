#include "libattn/models/transformer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/overfit.h"

namespace attn {
namespace {

TransformerConfig tiny_config(bool pre_norm) {
  TransformerConfig c;
  c.src_vocab = 12;
  c.tgt_vocab = 12;
  c.d_model = 16;
  c.heads = 2;
  c.ffn = 32;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.dropout = 0.0f;
  c.pre_norm = pre_norm;
  return c;
}

// Reversal of short sequences: src [3, 4], tgt_in = BOS + reversed, tgt_out = reversed + EOS.
using Batch = testing::TeacherBatch;

Batch reversal_batch() {
  const std::vector<std::vector<int32_t>> sources = {{4, 5, 6, 7}, {8, 9, 10}, {11, 4}};
  std::vector<std::vector<int32_t>> reversed;
  for (const std::vector<int32_t>& s : sources) reversed.emplace_back(s.rbegin(), s.rend());
  return testing::teacher_batch(sources, reversed);
}

TEST(Transformer, ParameterNamesAreUniqueAndTied) {
  Rng rng(1);
  TransformerConfig c = tiny_config(false);
  Transformer model(c, rng);
  NamedParameters params = model.parameters();
  std::set<std::string> names;
  for (auto& [name, var] : params) EXPECT_TRUE(names.insert(name).second) << name;
  EXPECT_TRUE(names.count("decoder.layers.1.encoder_attn.k_proj.weight"));
  EXPECT_FALSE(names.count("decoder.output_projection.weight"));  // tied by default
}

TEST(Transformer, OverfitsOneBatch) {
  for (bool pre_norm : {false, true}) {
    Rng rng(3);
    Transformer model(tiny_config(pre_norm), rng);
    Batch batch = reversal_batch();
    AdamOptions options;
    options.beta2 = 0.98f;
    options.eps = 1e-9f;
    Adam adam(model.parameters(), options);
    float last = 0;
    for (int step = 0; step < 150; ++step) {
      Var logits = model.forward(batch.src, batch.tgt_in, {true, &rng});
      auto ce = cross_entropy(reshape(logits, {-1, 12}), batch.tgt_out.view({-1}),
                              CrossEntropyOptions{0.0f, 0});
      last = ce.loss.value().item();
      adam.zero_grad();
      tape().backward(ce.loss);
      adam.step(1e-2f);
    }
    EXPECT_LT(last, 0.05f) << (pre_norm ? "pre-norm" : "post-norm");
  }
}

// Step-by-step decoding of the reversal batch gives the teacher-forced log-probabilities;
// attention rows span `attention_columns` source positions. Tokens the model never emits
// (-inf in both) are skipped.
void expect_incremental_matches_forward(Transformer& model, int64_t attention_columns) {
  Batch batch = reversal_batch();
  NoGrad no_grad;
  Var logits = model.forward(batch.src, batch.tgt_in, {});
  Tensor reference = log_softmax(logits).value();  // [3, 5, 12]
  auto state = model.encode(batch.sources);
  for (int t = 0; t < 5; ++t) {
    std::vector<int32_t> prev(3);
    for (int r = 0; r < 3; ++r) prev[r] = batch.tgt_in.ints()[r * 5 + t];
    Tensor attention;
    Tensor step = model.step(*state, prev, &attention).contiguous();
    ASSERT_EQ(attention.shape(), (Shape{3, attention_columns}));
    for (int r = 0; r < 3; ++r) {
      if (prev[r] == 0) continue;  // past the target's end: padding, which the loss ignores
      for (int v = 0; v < 12; ++v) {
        const float expected = reference[(r * 5 + t) * 12 + v];
        if (expected == -INFINITY && step[r * 12 + v] == -INFINITY) continue;
        EXPECT_NEAR(step[r * 12 + v], expected, 2e-4) << t << "," << r;
      }
    }
  }
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

// Everything an imported Marian model switches on, at once.
TransformerConfig marian_like_config() {
  TransformerConfig c = tiny_config(true);
  c.activation = Activation::kSwish;
  c.output_bias = true;
  c.layer_norm_eps = 1e-6f;
  c.positions_halves = true;
  c.source_eos = true;
  c.output_specials = false;
  return c;
}

// attn's own files must read back as they were written: the default config writes none of
// the imported models' keys, and a config with them round-trips.
TEST(Transformer, ImportOptionsStayOutOfDefaultConfigsAndRoundTrip) {
  const auto plain = tiny_config(false).to_map();
  for (const char* key : {"activation", "output_bias", "layer_norm_eps", "positions", "source_eos",
                          "output_specials"})
    EXPECT_EQ(plain.count(key), 0u) << key;
  const auto map = marian_like_config().to_map();
  EXPECT_EQ(map.at("activation"), "swish");
  EXPECT_EQ(map.at("positions"), "halves");
  const TransformerConfig back = TransformerConfig::from_map(map);
  EXPECT_EQ(back.to_map(), map);
  auto bad = map;
  bad["activation"] = "gelu";
  EXPECT_THROW(TransformerConfig::from_map(bad), InputError);
}

TEST(Transformer, ImportOptionsDecodeIncrementallyAsTheyTrain) {
  Rng rng(8);
  Transformer model(marian_like_config(), rng);
  Rng init(9);
  for (auto& [name, var] : model.parameters())  // a nonzero output bias, so it is exercised
    if (name == "decoder.output_bias")
      for (int64_t i = 0; i < var.value().numel(); ++i) var.mutable_value().data()[i] = init.normal();
  expect_incremental_matches_forward(model, 5);  // the appended </s> is a source column
  NoGrad no_grad;
  auto state = model.encode({{4, 5}});
  const Tensor first = model.step(*state, {2}, nullptr).contiguous();
  EXPECT_EQ(first[0], -INFINITY);  // <pad> and <s> take no probability
  EXPECT_EQ(first[2], -INFINITY);
}

}  // namespace
}  // namespace attn
