#include "libattn/models/pointer_network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/data/points.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/model_gradcheck.h"
#include "tests/unit/models/overfit.h"

namespace attn {
namespace {

constexpr int64_t kPositions = 6;
constexpr int64_t kVocab = Vocabulary::kSpecials + kPositions;  // the model's output size

bool open(float logit) { return logit > -1e8f; }  // closed positions are -1e9

PointerConfig tiny_config(CellType cell, bool mask_chosen) {
  PointerConfig c;
  c.src_vocab = 14;  // ids 4..13 stand for the numbers 0..9
  c.max_positions = kPositions;
  c.tgt_vocab = kVocab;
  c.embed = 8;
  c.hidden = 16;
  c.cell = cell;
  c.mask_chosen = mask_chosen;
  return c;
}

std::string describe(const PointerConfig& c) {
  return fmt::format("{}/mask_chosen={}/layers={}/bi={}/input_dims={}", cell_type_name(c.cell),
                     c.mask_chosen, c.layers, c.bidirectional, c.input_dims);
}

// Sorting: the target is the source positions in increasing order of their ids (all
// different), as output ids 4 + position.
using Batch = testing::TeacherBatch;

Batch sort_batch() {
  const std::vector<std::vector<int32_t>> sources = {
      {7, 4, 9, 5}, {12, 6, 10}, {8, 13, 5, 11, 4}, {9, 6}};
  std::vector<std::vector<int32_t>> targets;
  for (const std::vector<int32_t>& s : sources) {
    std::vector<int32_t> order(s.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t x, int32_t y) { return s[x] < s[y]; });
    for (int32_t& position : order) position += Vocabulary::kSpecials;
    targets.push_back(order);
  }
  return testing::teacher_batch(sources, targets);
}

// For a model over points (input_dims 2), number id k becomes the point ((k - 4) / 10, 0.3):
// the order to learn is then the order of the x coordinates.
Batch sort_batch(const PointerConfig& config) {
  Batch b = sort_batch();
  if (config.input_dims == 0) return b;
  const PointCodec codec{static_cast<int>(config.input_dims)};
  auto point = [&](int32_t id) {
    return id < Vocabulary::kSpecials
               ? id
               : codec.encode(fmt::format("{},0.3", (id - Vocabulary::kSpecials) / 10.0), "test");
  };
  for (auto& source : b.sources)
    for (int32_t& id : source) id = point(id);
  for (int64_t i = 0; i < b.src.numel(); ++i) b.src.ints()[i] = point(b.src.ints()[i]);
  return b;
}

std::vector<PointerConfig> table() {
  std::vector<PointerConfig> configs = {tiny_config(CellType::kLstm, false),
                                        tiny_config(CellType::kGru, true),
                                        tiny_config(CellType::kLstm, true),
                                        tiny_config(CellType::kLstm, true)};
  configs[2].layers = 2;
  configs[2].bidirectional = false;
  configs[3].input_dims = 2;  // points read through a projection, not embeddings
  configs[3].src_vocab = Vocabulary::kSpecials;
  return configs;
}

// The bounds of each field are the contract test's (model_contract_test.cc); what relates
// fields to each other is the model's own.
TEST(PointerNetwork, ConfigRefusesFieldsThatDisagree) {
  const ConfigMap good = tiny_config(CellType::kLstm, false).to_map();
  auto with = [&](const std::string& key, const std::string& value) {
    ConfigMap m = good;
    m[key] = value;
    return m;
  };
  EXPECT_NO_THROW(PointerConfig::from_map(good));
  EXPECT_THROW(PointerConfig::from_map(with("tgt_vocab", "11")), InputError);  // not 4 + P
  EXPECT_THROW(PointerConfig::from_map(with("hidden", "15")), InputError);     // bidirectional
  EXPECT_EQ(PointerConfig::from_map(with("input_dims", "2")).input_dims, 2);
}

TEST(PointerNetwork, TargetVocabularySpellsPositionsInOrder) {
  ConfigMap config = tiny_config(CellType::kLstm, false).to_map();
  const Vocabulary vocab = pointer_target_vocabulary(config);
  ASSERT_EQ(vocab.size(), kVocab);
  for (int32_t j = 0; j < kPositions; ++j)
    EXPECT_EQ(vocab.token(Vocabulary::kSpecials + j), std::to_string(j));
  EXPECT_EQ(vocab.decode({6, 4, 5, Vocabulary::kEos}), (std::vector<std::string>{"2", "0", "1"}));
  // The registry's defaults build the same size as the model's output.
  Rng rng(1);
  config = default_config("pointer", "tiny");
  config["src_vocab"] = "10";
  config["tgt_vocab"] = std::to_string(pointer_target_vocabulary(config).size());
  EXPECT_EQ(create_model("pointer", config, rng)->vocab_size(),
            pointer_target_vocabulary(config).size());
}

TEST(PointerNetwork, SetPointerTargetNeedsWordTokens) {
  ModelBundle bundle;
  bundle.source = {Tokenizer::characters(), Vocabulary()};
  const ConfigMap config = tiny_config(CellType::kLstm, false).to_map();
  EXPECT_THROW(set_pointer_target(bundle, config), InputError);
  bundle.source.tokenizer = Tokenizer::words();
  set_pointer_target(bundle, config);
  EXPECT_EQ(bundle.target.vocab.size(), kVocab);
  EXPECT_EQ(bundle.target.decode({5, 4}), "1 0");
  EXPECT_EQ(bundle.source.point_dims, 0);
}

// With input_dims the source side reads points (use_point_source, as attn-train calls it
// for every architecture): no vocabulary beyond the specials, and a line of "x,y" words
// encodes to ids that carry the coordinates.
TEST(PointerNetwork, SetPointerTargetReadsPointsWithInputDims) {
  ModelBundle bundle;
  ConfigMap config = tiny_config(CellType::kLstm, false).to_map();
  config["input_dims"] = "2";
  set_pointer_target(bundle, config);
  use_point_source(bundle, config);
  EXPECT_EQ(bundle.source.point_dims, 2);
  EXPECT_EQ(bundle.source.vocab.size(), Vocabulary::kSpecials);
  const std::vector<int32_t> ids = bundle.source.encode("0.25,0.5  1,0", "line 1");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(bundle.source.pieces(ids), (std::vector<std::string>{"0.25,0.5", "1,0"}));
  EXPECT_THROW(bundle.source.encode("0.2,0.5,0.1", "line 2"), InputError);
  for (const char* bad : {"9", "-1", "1.5", "two"}) {
    config["input_dims"] = bad;
    EXPECT_THROW(use_point_source(bundle, config), InputError) << bad;
  }
  bundle.source.tokenizer = Tokenizer::characters();
  config["input_dims"] = "2";
  EXPECT_THROW(use_point_source(bundle, config), InputError) << "points are whole words";
}

// The logits are the pointer scores laid out as the target vocabulary: <pad> <unk> <s>
// and the positions past each row's length are closed (-1e9), </s> and real positions open.
TEST(PointerNetwork, MasksWhatARowCannotPointAt) {
  Rng rng(2);
  PointerNetwork model(tiny_config(CellType::kLstm, false), rng);
  Batch batch = sort_batch();
  NoGrad no_grad;
  std::map<std::string, Tensor> maps;
  Tensor logits = model.forward(batch.src, batch.tgt_in, {}, &maps).value();
  ASSERT_EQ(logits.shape(), (Shape{4, 6, kVocab}));
  ASSERT_EQ(maps.at("attention").shape(), (Shape{4, 6, 5}));
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t t = 0; t < 6; ++t) {
      const float* row = logits.data() + (r * 6 + t) * kVocab;
      const int64_t length = static_cast<int64_t>(batch.sources[r].size());
      for (int64_t v = 0; v < kVocab; ++v) {
        const bool expected = v == Vocabulary::kEos ||
                              (v >= Vocabulary::kSpecials && v < Vocabulary::kSpecials + length);
        EXPECT_EQ(open(row[v]), expected) << "r=" << r << " t=" << t << " v=" << v;
      }
      // The attention map is the pointer distribution over positions: what is left of 1
      // after </s>, and zero past the row.
      double total = 0, max = *std::max_element(row, row + kVocab), norm = 0;
      for (int64_t v = 0; v < kVocab; ++v) norm += std::exp(double(row[v]) - max);
      for (int64_t j = 0; j < 5; ++j) total += maps.at("attention")[(r * 6 + t) * 5 + j];
      EXPECT_NEAR(total, 1.0 - std::exp(double(row[Vocabulary::kEos]) - max) / norm, 1e-5);
      for (int64_t j = length; j < 5; ++j) EXPECT_EQ(maps.at("attention")[(r * 6 + t) * 5 + j], 0);
    }
}

TEST(PointerNetwork, MaskChosenClosesEveryPositionPointedAt) {
  Rng rng(3);
  PointerNetwork model(tiny_config(CellType::kGru, true), rng);
  Batch batch = sort_batch();
  NoGrad no_grad;
  Tensor logits = model.forward(batch.src, batch.tgt_in, {}).value();
  for (int64_t r = 0; r < 4; ++r) {
    const auto& target = batch.targets[r];
    for (size_t t = 0; t <= target.size(); ++t) {
      const float* row = logits.data() + (r * 6 + t) * kVocab;
      for (size_t i = 0; i < target.size(); ++i)
        EXPECT_EQ(open(row[target[i]]), i >= t) << "r=" << r << " t=" << t;
    }
    // After the last position only </s> is left.
    const float* last = logits.data() + (r * 6 + target.size()) * kVocab;
    EXPECT_EQ(std::count_if(last, last + kVocab, open), 1);
  }
}

TEST(PointerNetwork, RefusesTargetsThatAreNotSourcePositions) {
  Rng rng(4);
  PointerNetwork model(tiny_config(CellType::kLstm, true), rng);
  NoGrad no_grad;
  const Tensor src = Tensor::from_ints({1, 3}, {5, 6, 7});
  EXPECT_NO_THROW(model.forward(src, Tensor::from_ints({1, 3}, {2, 6, 4}), {}));
  EXPECT_THROW(model.forward(src, Tensor::from_ints({1, 3}, {2, 7, 4}), {}), InputError);  // 3
  EXPECT_THROW(model.forward(src, Tensor::from_ints({1, 3}, {2, 1, 4}), {}), InputError);  // unk
  EXPECT_THROW(model.forward(src, Tensor::from_ints({1, 3}, {2, 5, 5}), {}), InputError);  // twice
  const Tensor too_long = Tensor::from_ints({1, 7}, {5, 5, 5, 5, 5, 5, 5});
  EXPECT_THROW(model.forward(too_long, Tensor::from_ints({1, 1}, {2}), {}), InputError);
  EXPECT_THROW(model.encode({std::vector<int32_t>(7, 5)}), InputError);
}

// Every configuration learns to sort one small batch, and the shared greedy and beam
// searches, which drop finished rows through reorder(), decode it.
TEST(PointerNetwork, OverfitsOneBatch) {
  for (const PointerConfig& config : table()) {
    const Batch batch = sort_batch(config);
    Rng rng(5);
    PointerNetwork model(config, rng);
    const std::vector<NBest> beam =
        testing::expect_learns(model, batch, 150, rng, batch.targets, describe(config));
    for (size_t r = 0; r < batch.sources.size(); ++r) {
      ASSERT_EQ(beam[r][0].attention.size(), batch.targets[r].size()) << describe(config);
      EXPECT_EQ(beam[r][0].attention[0].size(), batch.sources[r].size()) << describe(config);
    }
  }
}

// encode + step reproduces the teacher-forced forward pass: the log-probabilities at step t
// equal log_softmax of the forward logits at t for the same prefix, and so does the pointer
// distribution.
TEST(PointerNetwork, IncrementalDecodingMatchesTeacherForcedForward) {
  for (const PointerConfig& config : table()) {
    const Batch batch = sort_batch(config);
    Rng rng(6);
    PointerNetwork model(config, rng);
    NoGrad no_grad;
    std::map<std::string, Tensor> maps;
    Tensor reference = log_softmax(model.forward(batch.src, batch.tgt_in, {}, &maps)).value();
    auto state = model.encode(batch.sources);
    for (int64_t t = 0; t < 6; ++t) {
      std::vector<int32_t> prev(4);
      for (int64_t r = 0; r < 4; ++r) prev[r] = batch.tgt_in.ints()[r * 6 + t];
      // Rows whose target ended before t read padding in tgt_in; only compare real steps.
      Tensor attention;
      Tensor step = model.step(*state, prev, &attention).contiguous();
      ASSERT_EQ(step.shape(), (Shape{4, kVocab}));
      ASSERT_EQ(attention.shape(), (Shape{4, 5}));
      for (int64_t r = 0; r < 4; ++r) {
        if (t > static_cast<int64_t>(batch.targets[r].size())) continue;
        for (int64_t v = 0; v < kVocab; ++v) {
          const float expected = reference[(r * 6 + t) * kVocab + v];
          if (!open(expected))  // closed: -1e9 for the loss, -inf for the search
            EXPECT_EQ(step[r * kVocab + v], -INFINITY) << describe(config) << " t=" << t;
          else
            EXPECT_NEAR(step[r * kVocab + v], expected, 1e-5) << describe(config) << " t=" << t;
        }
        for (int64_t j = 0; j < 5; ++j)
          EXPECT_NEAR(attention[r * 5 + j], maps.at("attention")[(r * 6 + t) * 5 + j], 1e-6)
              << describe(config) << " t=" << t << " r=" << r;
      }
    }
  }
}

// A beam wider than the positions still open (2 numbers, beam 6, mask_chosen) keeps only
// real continuations: every hypothesis is a permutation, never a closed id.
TEST(PointerNetwork, WideBeamNeverPointsAtClosedPositions) {
  Rng rng(3);
  PointerNetwork model(tiny_config(CellType::kLstm, true), rng);
  BeamOptions options;
  options.beam_size = 6;
  options.n_best = 6;
  const std::vector<NBest> results = beam_search(model, {{7, 4}, {9}}, options);
  for (size_t r = 0; r < results.size(); ++r) {
    const int32_t length = r == 0 ? 2 : 1;
    EXPECT_FALSE(results[r].empty());
    for (const Hypothesis& h : results[r]) {
      EXPECT_TRUE(std::isfinite(h.score));
      std::vector<bool> seen(length, false);
      for (int32_t token : h.tokens) {
        const int32_t position = token - Vocabulary::kSpecials;
        ASSERT_TRUE(position >= 0 && position < length) << "row " << r << " token " << token;
        EXPECT_FALSE(seen[position]) << "row " << r << " repeats position " << position;
        seen[position] = true;
      }
    }
  }
}

TEST(PointerNetwork, PaddingDoesNotChangeTheOutput) {
  for (const PointerConfig& config : table()) {
    Rng rng(8);
    PointerNetwork model(config, rng);
    NoGrad no_grad;
    Tensor tgt = Tensor::from_ints({1, 3}, {2, 6, 4});
    Tensor padded = model.forward(Tensor::from_ints({1, 5}, {4, 5, 6, 0, 0}), tgt, {}).value();
    Tensor exact = model.forward(Tensor::from_ints({1, 3}, {4, 5, 6}), tgt, {}).value();
    for (int64_t i = 0; i < exact.numel(); ++i)
      EXPECT_NEAR(padded[i], exact[i], 1e-6) << describe(config) << " i=" << i;
  }
}

// End to end: the analytic gradient of the sorting loss with respect to a few elements of
// every parameter tensor against central differences of the whole model (no new op: the
// model is made of checked ones, but the wiring, the end slot and the input feeding by
// one-hot products are checked here).
TEST(PointerNetwork, ModelGradientsMatchFiniteDifferences) {
  for (PointerConfig config : table()) {
    const Batch batch = sort_batch(config);
    config.hidden = 6;
    config.embed = 4;
    Rng rng(9);
    PointerNetwork model(config, rng);
    testing::check_loss_gradients(model, batch, {}, rng, describe(config));
  }
}

}  // namespace
}  // namespace attn
