#include "libattn/models/rnn_seq2seq.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/model_gradcheck.h"
#include "tests/unit/models/overfit.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 10;

RnnConfig tiny_config(CellType cell, ScorerType scorer, ScopeType scope) {
  RnnConfig c;
  c.src_vocab = kVocab;
  c.tgt_vocab = kVocab;
  c.embed = 8;
  c.hidden = 16;
  c.layers = 1;
  c.cell = cell;
  c.attention = scorer;
  c.scope = scope;
  c.window = 2;
  c.dropout = 0.0f;
  c.max_source_length = 8;
  return c;
}

std::string describe(const RnnConfig& c) {
  return fmt::format("{}/{}/{}/feed={}/bridge={}/layers={}/bi={}", cell_type_name(c.cell),
                     scorer_name(c.attention), scope_name(c.scope), c.input_feeding,
                     bridge_name(c.bridge), c.layers, c.bidirectional);
}

using Batch = testing::TeacherBatch;
using testing::copy_batch;

// The bounds of each field are the contract test's (model_contract_test.cc); what relates
// fields to each other is the model's own.
TEST(RnnSeq2Seq, ConfigRefusesAnOddBidirectionalWidth) {
  ConfigMap odd = tiny_config(CellType::kLstm, ScorerType::kDot, ScopeType::kGlobal).to_map();
  odd["hidden"] = "15";
  EXPECT_THROW(RnnConfig::from_map(odd), InputError);
  odd["bidirectional"] = "false";
  EXPECT_NO_THROW(RnnConfig::from_map(odd));
}

// Model files from before the flag spellings settled, and --attention additive, still read:
// as the names attn writes now.
TEST(RnnSeq2Seq, ConfigReadsOlderSpellings) {
  ConfigMap map = tiny_config(CellType::kLstm, ScorerType::kDot, ScopeType::kGlobal).to_map();
  map["attention"] = "scaled_dot", map["attention_scope"] = "local_m";
  const RnnConfig old = RnnConfig::from_map(map);
  EXPECT_EQ(old.attention, ScorerType::kScaledDot);
  EXPECT_EQ(old.scope, ScopeType::kLocalM);
  EXPECT_EQ(old.to_map().at("attention"), "scaled-dot");
  map["attention"] = "additive";
  EXPECT_EQ(RnnConfig::from_map(map).attention, ScorerType::kConcat);
  map["attention"] = "bilinear";
  EXPECT_THROW(RnnConfig::from_map(map), InputError);
}

TEST(RnnSeq2Seq, ParameterNamesAreUniqueAndTorchShaped) {
  Rng rng(2);
  RnnConfig c = tiny_config(CellType::kLstm, ScorerType::kConcat, ScopeType::kLocalP);
  c.layers = 2;
  RnnSeq2Seq model(c, rng);
  std::map<std::string, Shape> shapes;
  for (auto& [name, var] : model.parameters())
    EXPECT_TRUE(shapes.emplace(name, var.shape()).second) << "duplicate " << name;
  EXPECT_EQ(shapes.at("encoder.rnn.weight_ih_l0"), (Shape{32, 8}));  // 4 · H/2, E
  EXPECT_EQ(shapes.at("encoder.rnn.weight_hh_l1_reverse"), (Shape{32, 8}));
  EXPECT_EQ(shapes.at("decoder.rnn.weight_ih_l0"), (Shape{64, 24}));  // E + H (feeding)
  EXPECT_EQ(shapes.at("decoder.rnn.weight_ih_l1"), (Shape{64, 16}));
  EXPECT_EQ(shapes.at("decoder.bridge.weight"), (Shape{64, 16}));  // 2 layers · (h, c)
  EXPECT_EQ(shapes.at("decoder.attention.linear_context.weight"), (Shape{16, 16}));
  EXPECT_EQ(shapes.at("decoder.attention.v.weight"), (Shape{1, 16}));
  EXPECT_EQ(shapes.at("decoder.attention.position_out.weight"), (Shape{1, 16}));
  EXPECT_EQ(shapes.at("decoder.attention.linear_out.weight"), (Shape{16, 32}));
  EXPECT_EQ(shapes.at("decoder.output_projection.weight"), (Shape{kVocab, 16}));
}

TEST(RnnSeq2Seq, ForwardShapesAndAttentionMap) {
  Rng rng(3);
  RnnSeq2Seq model(tiny_config(CellType::kGru, ScorerType::kGeneral, ScopeType::kGlobal), rng);
  Batch batch = copy_batch();
  std::map<std::string, Tensor> maps;
  Var logits = model.forward(batch.src, batch.tgt_in, {}, &maps);
  EXPECT_EQ(logits.shape(), (Shape{4, 6, kVocab}));
  const Tensor& a = maps.at("attention");
  ASSERT_EQ(a.shape(), (Shape{4, 6, 5}));
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t t = 0; t < 6; ++t) {
      double total = 0;
      for (int64_t j = 0; j < 5; ++j) total += a[(r * 6 + t) * 5 + j];
      EXPECT_NEAR(total, 1.0, 1e-5);
      for (int64_t j = batch.sources[r].size(); j < 5; ++j) EXPECT_EQ(a[(r * 6 + t) * 5 + j], 0.0f);
    }
}

// Every cell x scorer x scope learns to reproduce one small batch (a copy task, so the
// local and monotonic scopes can attend where the answer is).
TEST(RnnSeq2Seq, OverfitsOneBatchForEveryCellScorerAndScope) {
  std::vector<RnnConfig> table;
  for (CellType cell : {CellType::kGru, CellType::kLstm})
    for (ScorerType scorer : {ScorerType::kDot, ScorerType::kGeneral, ScorerType::kConcat,
                              ScorerType::kScaledDot, ScorerType::kLocation, ScorerType::kCosine})
      for (ScopeType scope : {ScopeType::kGlobal, ScopeType::kLocalM, ScopeType::kLocalP,
                              ScopeType::kHard, ScopeType::kMonotonic})
        table.push_back(tiny_config(cell, scorer, scope));
  Batch batch = copy_batch();
  for (const RnnConfig& config : table) {
    Rng rng(4);
    RnnSeq2Seq model(config, rng);
    EXPECT_LT(testing::overfit(model, batch, 150, rng), 0.05f) << describe(config);
    // The batch is reproduced: greedy argmax of the teacher-forced logits is the target.
    NoGrad no_grad;
    Tensor logits = model.forward(batch.src, batch.tgt_in, {}).value();
    int wrong = 0;
    for (int64_t i = 0; i < batch.tgt_out.numel(); ++i) {
      if (batch.tgt_out.ints()[i] == 0) continue;
      const float* row = logits.data() + i * kVocab;
      wrong += std::max_element(row, row + kVocab) - row != batch.tgt_out.ints()[i];
    }
    EXPECT_EQ(wrong, 0) << describe(config);
    // And greedy search, which drops finished rows through reorder(), decodes it.
    BeamOptions options;
    options.return_alignment = true;
    const std::vector<NBest> greedy = greedy_search(model, batch.sources, options);
    for (size_t r = 0; r < batch.sources.size(); ++r) {
      EXPECT_EQ(greedy[r][0].tokens, batch.sources[r]) << describe(config) << " row " << r;
      ASSERT_EQ(greedy[r][0].attention.size(), batch.sources[r].size()) << describe(config);
      EXPECT_EQ(greedy[r][0].attention[0].size(), batch.sources[r].size()) << describe(config);
    }
  }
}

// Marian's s2s as imported: conditional GRU decoder, deep output tied to the target embedding,
// </s> after every source, no probability for <pad> and <s>.
RnnConfig cgru_config() {
  RnnConfig c = tiny_config(CellType::kGru, ScorerType::kConcat, ScopeType::kGlobal);
  c.decoder = RnnDecoderType::kConditionalGru;
  c.input_feeding = false;
  c.tie_output = true;
  c.source_eos = true;
  c.output_specials = false;
  return c;
}

std::vector<RnnConfig> decoding_table() {
  std::vector<RnnConfig> table = {
      tiny_config(CellType::kGru, ScorerType::kGeneral, ScopeType::kGlobal),
      tiny_config(CellType::kLstm, ScorerType::kConcat, ScopeType::kLocalP),
      tiny_config(CellType::kGru, ScorerType::kDot, ScopeType::kLocalM),
      tiny_config(CellType::kLstm, ScorerType::kLocation, ScopeType::kMonotonic),
      tiny_config(CellType::kGru, ScorerType::kCosine, ScopeType::kHard),
      tiny_config(CellType::kLstm, ScorerType::kScaledDot, ScopeType::kGlobal),
  };
  table[1].layers = 2;
  table[3].bridge = BridgeType::kFinal;
  table[4].bridge = BridgeType::kZero;
  table[5].input_feeding = false;
  table[5].bidirectional = false;
  table[5].bridge = BridgeType::kFinal;
  RnnConfig cgru = cgru_config();  // Marian's decoder, on attn's own source and vocabulary use
  cgru.source_eos = false;
  cgru.output_specials = true;
  table.push_back(cgru);
  return table;
}

// An empty source has nothing to attend to: zero weights and a zero context, never NaN.
TEST(RnnSeq2Seq, EmptySourceDecodesToFiniteLogProbabilities) {
  for (const RnnConfig& config : decoding_table()) {
    Rng rng(10);
    RnnSeq2Seq model(config, rng);
    auto state = model.encode({{}, {4, 5}});
    for (int32_t token : {2, 6}) {
      Tensor attention;
      Tensor log_probs = model.step(*state, {token, token}, &attention).contiguous();
      for (int64_t i = 0; i < log_probs.numel(); ++i)
        ASSERT_TRUE(std::isfinite(log_probs[i])) << describe(config) << " " << i;
      EXPECT_EQ(attention[0], 0.0f) << describe(config);
      EXPECT_EQ(attention[1], 0.0f) << describe(config);
    }
  }
}

TEST(RnnSeq2Seq, LocationScorerRefusesTooLongSources) {
  Rng rng(8);
  RnnSeq2Seq model(tiny_config(CellType::kGru, ScorerType::kLocation, ScopeType::kGlobal), rng);
  auto state = model.encode({std::vector<int32_t>(9, 4)});
  EXPECT_THROW(model.step(*state, {2}, nullptr), InputError);
}

// End to end: the analytic gradient of every parameter tensor (a few elements each) against
// central differences of the whole model, for configurations that exercise every path
// (bridge, input feeding, the local-p position, the LSTM memory cell).
TEST(RnnSeq2Seq, ModelGradientsMatchFiniteDifferences) {
  std::vector<RnnConfig> table = {
      tiny_config(CellType::kLstm, ScorerType::kConcat, ScopeType::kGlobal),
      tiny_config(CellType::kGru, ScorerType::kCosine, ScopeType::kLocalP),
  };
  table[1].bridge = BridgeType::kFinal;
  table[1].window = 5;  // covers every position: no window edge for a nudge to cross
  table.push_back(cgru_config());  // conditional GRU and deep output (one layer by design)
  table.back().output_specials = true;  // -inf logits have no finite difference
  Batch batch = copy_batch();
  for (RnnConfig config : table) {
    config.hidden = 6;
    config.embed = 4;
    config.layers = config.decoder == RnnDecoderType::kConditionalGru ? 1 : 2;
    Rng rng(9);
    RnnSeq2Seq model(config, rng);
    testing::check_logit_gradients(model, batch.src, batch.tgt_in, rng, describe(config),
                                   {.atol = 3e-3});
  }
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

TEST(RnnSeq2Seq, ConditionalGruConfigRoundTripsAndRefusesWhatItCannotBuild) {
  const auto plain = tiny_config(CellType::kGru, ScorerType::kConcat, ScopeType::kGlobal).to_map();
  for (const char* key : {"decoder", "tie_output", "source_eos", "output_specials"})
    EXPECT_EQ(plain.count(key), 0u) << key;  // attn's own files are written as before
  const auto map = cgru_config().to_map();
  EXPECT_EQ(map.at("decoder"), "cgru");
  EXPECT_EQ(RnnConfig::from_map(map).to_map(), map);
  RnnConfig lstm = cgru_config();
  lstm.cell = CellType::kLstm;
  EXPECT_THROW(lstm.validate(), InputError);
  RnnConfig tied = tiny_config(CellType::kGru, ScorerType::kConcat, ScopeType::kGlobal);
  tied.tie_output = true;
  EXPECT_THROW(tied.validate(), InputError);
}

// With Marian's conventions the encoder reads one more column (</s>), and <pad> and <s> get
// no probability; the real tokens still decode as the teacher-forced pass computes them.
TEST(RnnSeq2Seq, ConditionalGruWithMarianConventions) {
  Batch batch = copy_batch();
  Rng rng(6);
  RnnSeq2Seq model(cgru_config(), rng);
  NoGrad no_grad;
  std::map<std::string, Tensor> maps;
  Tensor reference = log_softmax(model.forward(batch.src, batch.tgt_in, {}, &maps)).value();
  EXPECT_EQ(maps.at("attention").shape(), (Shape{4, 6, 6}));
  auto state = model.encode(batch.sources);
  Tensor attention;
  Tensor step = model.step(*state, {2, 2, 2, 2}, &attention).contiguous();
  ASSERT_EQ(attention.shape(), (Shape{4, 6}));
  for (int64_t r = 0; r < 4; ++r) {
    EXPECT_EQ(step[r * kVocab + 0], -INFINITY);
    EXPECT_EQ(step[r * kVocab + 2], -INFINITY);
    for (int64_t v : {1, 3, 4, 9})
      EXPECT_NEAR(step[r * kVocab + v], reference[(r * 6) * kVocab + v], 1e-5) << r;
  }
}

}  // namespace
}  // namespace attn
