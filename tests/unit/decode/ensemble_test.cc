// Ensembles: a model with itself decodes exactly as the model alone; two different models
// score the ensemble's hypotheses as the mean of the scores each gives them, each taken
// teacher-forced through the model's own steps (not through the ensemble).
#include "libattn/decode/ensemble.h"

#include <gtest/gtest.h>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/core/rng.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 12;

std::unique_ptr<Seq2SeqModel> tiny(const std::string& architecture, uint64_t seed,
                                   int64_t vocab = kVocab) {
  ConfigMap config = default_config(architecture, "tiny");
  config["src_vocab"] = config["tgt_vocab"] = std::to_string(vocab);
  if (config.count("dropout")) config["dropout"] = "0";
  Rng rng(seed);
  return create_model(architecture, config, rng);
}

const std::vector<std::vector<int32_t>> kSources = {{4, 5, 6, 7}, {8, 9}, {10, 4, 11}};

BeamOptions search_options() {
  BeamOptions options;
  options.beam_size = 3;
  options.n_best = 3;
  options.max_length = 7;
  options.max_length_factor = 0;
  return options;
}

// log P(tokens + EOS | source) under one model, step by step.
double teacher_forced_score(DecoderModel& model, const std::vector<int32_t>& source,
                            const std::vector<int32_t>& tokens) {
  auto state = model.encode({source});
  double score = 0;
  int32_t previous = model.bos_id();
  std::vector<int32_t> targets = tokens;
  targets.push_back(model.eos_id());
  for (int32_t token : targets) {
    const Tensor log_probs = model.step(*state, {previous}, nullptr).contiguous();
    score += log_probs.data()[token];
    previous = token;
  }
  return score;
}

class EnsembleOf : public ::testing::TestWithParam<std::string> {};

TEST_P(EnsembleOf, AModelWithItselfIsThatModel) {
  NoGrad no_grad;
  auto model = tiny(GetParam(), 3);
  Ensemble twice({model.get(), model.get()});
  const auto alone = beam_search(*model, kSources, search_options());
  const auto together = beam_search(twice, kSources, search_options());
  ASSERT_EQ(alone.size(), together.size());
  for (size_t s = 0; s < alone.size(); ++s) {
    ASSERT_EQ(alone[s].size(), together[s].size());
    for (size_t k = 0; k < alone[s].size(); ++k) {
      EXPECT_EQ(alone[s][k].tokens, together[s][k].tokens) << s << "/" << k;
      EXPECT_EQ(alone[s][k].score, together[s][k].score) << s << "/" << k;
    }
  }
  const auto greedy_alone = greedy_search(*model, kSources, search_options());
  const auto greedy_together = greedy_search(twice, kSources, search_options());
  for (size_t s = 0; s < kSources.size(); ++s)
    EXPECT_EQ(greedy_alone[s][0].tokens, greedy_together[s][0].tokens);
}

TEST_P(EnsembleOf, TwoModelsScoreTheMeanOfTheirScores) {
  NoGrad no_grad;
  auto a = tiny(GetParam(), 3), b = tiny(GetParam(), 4);
  Ensemble pair({a.get(), b.get()});
  const auto results = beam_search(pair, kSources, search_options());
  int differing = 0;
  for (size_t s = 0; s < kSources.size(); ++s) {
    for (const Hypothesis& h : results[s]) {
      const double score_a = teacher_forced_score(*a, kSources[s], h.tokens);
      const double score_b = teacher_forced_score(*b, kSources[s], h.tokens);
      EXPECT_NEAR(h.score, (score_a + score_b) / 2, 1e-4 * std::max(1.0, std::abs(h.score)));
      differing += std::abs(score_a - score_b) > 1e-3;
    }
  }
  EXPECT_GT(differing, 0) << "the two models agree: the test shows nothing";
}

INSTANTIATE_TEST_SUITE_P(Models, EnsembleOf, ::testing::Values("transformer", "rnn"));

TEST(Ensemble, RefusesModelsWithDifferentVocabularies) {
  auto a = tiny("transformer", 1), b = tiny("transformer", 2, kVocab + 1);
  EXPECT_THROW(Ensemble({a.get(), b.get()}), InputError);
}

}  // namespace
}  // namespace attn
