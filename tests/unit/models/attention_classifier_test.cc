#include "libattn/models/attention_classifier.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/autograd/ops.h"
#include "libattn/core/arena.h"
#include "libattn/core/error.h"
#include "libattn/data/vocab.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer.h"
#include "libattn/train/train_step.h"
#include "tests/unit/autograd/gradcheck.h"
#include "tests/unit/models/overfit.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 7;  // 4 specials + labels 4, 5, 6

ClassifierConfig tiny_config(PoolingType pooling) {
  ClassifierConfig c;
  c.src_vocab = 12;
  c.tgt_vocab = kVocab;
  c.embed = 8;
  c.hidden = 16;
  c.attention_size = 8;
  c.pooling = pooling;
  if (pooling == PoolingType::kSelfAttentive) c.hops = 3, c.penalty = 0.1f;
  return c;
}

std::vector<ClassifierConfig> table() {
  std::vector<ClassifierConfig> configs = {tiny_config(PoolingType::kStatic),
                                           tiny_config(PoolingType::kSelfAttentive),
                                           tiny_config(PoolingType::kKeyValue)};
  configs[2].cell = CellType::kLstm;
  return configs;
}

std::string describe(const ClassifierConfig& c) {
  return fmt::format("{}/hops={}/{}", pooling_name(c.pooling), c.hops, cell_type_name(c.cell));
}

// Sentences of different lengths; the label (4, 5 or 6) is which of the tokens 4, 5, 6
// the sentence holds, wherever it stands. tgt_in = <s> label, tgt_out = label </s>.
struct Batch {
  std::vector<std::vector<int32_t>> sources;
  std::vector<int32_t> labels;
  Tensor src, tgt_in, tgt_out;
};

Batch label_batch() {
  Batch b;
  b.sources = {{8, 4, 9}, {10, 11, 5, 8, 9}, {6, 7}, {9, 9, 8, 4}, {5, 10}, {11, 8, 9, 7, 6}};
  b.labels = {4, 5, 6, 4, 5, 6};
  const int64_t batch = 6, length = 5;
  b.src = Tensor::zeros({batch, length}, DType::kI32);
  b.tgt_in = Tensor::zeros({batch, 2}, DType::kI32);
  b.tgt_out = Tensor::zeros({batch, 2}, DType::kI32);
  for (int64_t r = 0; r < batch; ++r) {
    std::copy(b.sources[r].begin(), b.sources[r].end(), b.src.ints() + r * length);
    b.tgt_in.ints()[r * 2] = Vocabulary::kBos;
    b.tgt_in.ints()[r * 2 + 1] = b.labels[r];
    b.tgt_out.ints()[r * 2] = b.labels[r];
    b.tgt_out.ints()[r * 2 + 1] = Vocabulary::kEos;
  }
  return b;
}

TEST(AttentionClassifier, PenaltyMatchesHandComputedValues) {
  // Two hops on the same two tokens, half each: A Aᵀ = [[.5, .5], [.5, .5]], so
  // A Aᵀ - I = [[-.5, .5], [.5, -.5]] and ||.||²_F = 1.
  Var same(Tensor::from({1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f}));
  EXPECT_NEAR(attention_penalty(same).value().item(), 1.0f, 1e-6);
  // Hops on different single tokens: A Aᵀ = I, no penalty; the batch mean of 0 and 1 is 0.5.
  Var both(Tensor::from({2, 2, 2}, {1, 0, 0, 1, 0.5f, 0.5f, 0.5f, 0.5f}));
  EXPECT_NEAR(attention_penalty(both).value().item(), 0.5f, 1e-6);
}

TEST(AttentionClassifier, PenaltyGradientMatchesFiniteDifferences) {
  Rng rng(1);
  testing::GradCheck check;
  check.run("attention_penalty",
            [](const std::vector<Var>& in) { return attention_penalty(in[0]); },
            {testing::random_tensor({2, 3, 5}, rng, 0.0f, 1.0f)});
  check.run("attention_penalty of a softmax",
            [](const std::vector<Var>& in) { return attention_penalty(softmax(in[0])); },
            {testing::random_tensor({3, 4, 6}, rng)});
}

// The bounds of each field are the contract test's (model_contract_test.cc); only
// self-attentive pooling takes several hops.
TEST(AttentionClassifier, ConfigTakesSeveralHopsOnlyForSelfAttentivePooling) {
  ConfigMap map = tiny_config(PoolingType::kStatic).to_map();
  map["hops"] = "2";
  EXPECT_THROW(ClassifierConfig::from_map(map), InputError);
  map["pooling"] = "self-attentive";
  EXPECT_EQ(ClassifierConfig::from_map(map).hops, 2);
}

TEST(AttentionClassifier, RefusesTargetsThatAreNotOneLabel) {
  Rng rng(3);
  AttentionClassifier model(tiny_config(PoolingType::kStatic), rng);
  NoGrad no_grad;
  const Tensor src = Tensor::from_ints({1, 2}, {8, 9});
  EXPECT_NO_THROW(model.forward(src, Tensor::from_ints({1, 2}, {2, 5}), {}));
  EXPECT_THROW(model.forward(src, Tensor::from_ints({1, 3}, {2, 5, 6}), {}), InputError);
  EXPECT_THROW(model.forward(src, Tensor::from_ints({1, 2}, {2, 0}), {}), InputError);
}

// Every pooling learns one small batch, and greedy and beam search answer with one label.
TEST(AttentionClassifier, OverfitsOneBatchForEveryPooling) {
  Batch batch = label_batch();
  for (const ClassifierConfig& config : table()) {
    Rng rng(4);
    AttentionClassifier model(config, rng);
    std::vector<std::vector<int32_t>> want;
    for (int32_t label : batch.labels) want.push_back({label});
    const std::vector<NBest> beam =
        testing::expect_learns(model, batch, 150, rng, want, describe(config));
    for (size_t r = 0; r < batch.sources.size(); ++r) {
      ASSERT_EQ(beam[r][0].attention.size(), 1u) << describe(config);
      EXPECT_EQ(beam[r][0].attention[0].size(), batch.sources[r].size()) << describe(config);
    }
  }
}

// The self-attentive penalty pulls the hops apart: trained with it, the hops overlap less
// than trained without it, from the same start.
TEST(AttentionClassifier, PenaltySpreadsTheHops) {
  Batch batch = label_batch();
  auto final_penalty = [&](float coefficient) {
    ClassifierConfig config = tiny_config(PoolingType::kSelfAttentive);
    config.penalty = coefficient;
    Rng rng(5);
    AttentionClassifier model(config, rng);
    Adam adam(model.parameters());
    for (int step = 0; step < 100; ++step) {
      Var logits = model.forward(batch.src, batch.tgt_in, {true, &rng});
      Var loss =
          cross_entropy(logits, batch.tgt_out, {.label_smoothing = 0.0f, .ignore_index = 0}).loss;
      if (model.extra_loss().defined()) loss = add(loss, model.extra_loss());
      adam.zero_grad();
      tape().backward(loss);
      adam.step(1e-2f);
    }
    NoGrad no_grad;
    return attention_penalty(model.classify(batch.src, {}).weights).value().item();
  };
  EXPECT_LT(final_penalty(1.0f), 0.5f * final_penalty(0.0f));
}

// train_step's loss (here its validation twin) is the cross-entropy plus the penalty.
TEST(AttentionClassifier, TrainingLossAddsThePenalty) {
  Batch batch = label_batch();
  Rng rng(6);
  ClassifierConfig config = tiny_config(PoolingType::kSelfAttentive);
  config.penalty = 2.0f;
  AttentionClassifier model(config, rng);
  Arena arena;
  const StepStats stats = evaluate_batch(model, batch.src, batch.tgt_in, batch.tgt_out, arena);
  NoGrad no_grad;
  const AttentionClassifier::Classification out = model.classify(batch.src, {});
  const float ce =
      cross_entropy(model.forward(batch.src, batch.tgt_in, {}), batch.tgt_out, {0.0f, 0})
          .loss.value()
          .item();
  const float penalty = attention_penalty(out.weights).value().item();
  EXPECT_GT(penalty, 0.01f);
  EXPECT_NEAR(stats.loss, ce + 2.0f * penalty, 1e-5);
}

// encode + step gives what forward gives: the label distribution at step 0, the end
// distribution after it, and the attention averaged over the hops.
TEST(AttentionClassifier, IncrementalDecodingMatchesTeacherForcedForward) {
  Batch batch = label_batch();
  for (const ClassifierConfig& config : table()) {
    Rng rng(7);
    AttentionClassifier model(config, rng);
    NoGrad no_grad;
    std::map<std::string, Tensor> maps;
    Tensor reference = log_softmax(model.forward(batch.src, batch.tgt_in, {}, &maps)).value();
    const Tensor& a = maps.at("attention");  // [6, r, 5]
    ASSERT_EQ(a.shape(), (Shape{6, config.hops, 5}));
    auto state = model.encode(batch.sources);
    for (int64_t t = 0; t < 2; ++t) {
      std::vector<int32_t> prev(6);
      for (int64_t r = 0; r < 6; ++r) prev[r] = batch.tgt_in.ints()[r * 2 + t];
      Tensor attention;
      Tensor step = model.step(*state, prev, &attention).contiguous();
      ASSERT_EQ(step.shape(), (Shape{6, kVocab}));
      ASSERT_EQ(attention.shape(), (Shape{6, 5}));
      for (int64_t r = 0; r < 6; ++r) {
        for (int64_t v = 0; v < kVocab; ++v)
          EXPECT_NEAR(step[r * kVocab + v], reference[(r * 2 + t) * kVocab + v], 1e-5)
              << describe(config) << " t=" << t;
        for (int64_t j = 0; j < 5; ++j) {
          double hop_mean = 0;
          for (int64_t k = 0; k < config.hops; ++k) hop_mean += a[(r * config.hops + k) * 5 + j];
          EXPECT_NEAR(attention[r * 5 + j], hop_mean / config.hops, 1e-6) << describe(config);
        }
      }
    }
    model.reorder(*state, {5, 0});
    Tensor reordered = model.step(*state, {2, 2}, nullptr).contiguous();
    for (int64_t v = 0; v < kVocab; ++v) {
      EXPECT_NEAR(reordered[v], reference[(5 * 2) * kVocab + v], 1e-5) << describe(config);
      EXPECT_NEAR(reordered[kVocab + v], reference[v], 1e-5) << describe(config);
    }
  }
}

}  // namespace
}  // namespace attn
