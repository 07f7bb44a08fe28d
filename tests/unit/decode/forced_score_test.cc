#include "libattn/decode/forced_score.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/decode/beam_search.h"
#include "tests/unit/decode/table_model.h"

namespace attn {
namespace {

constexpr int32_t kX = 2, kY = 3;

// Hand-computed: P(x y </s>) = 0.6 * 0.5 * 0.9, P(</s>) = 0.3, for two sources in one batch
// whose rows leave it at different steps.
TEST(ForcedScore, SumsTheLogProbabilitiesOfTheTargetAndItsEos) {
  TableModel model(5);
  model.set({7}, {}, {{kX, 0.6}, {kEos, 0.3}, {kY, 0.1}});
  model.set({7}, {kX}, {{kY, 0.5}, {kEos, 0.5}});
  model.set({7}, {kX, kY}, {{kEos, 0.9}, {kX, 0.1}});
  model.set({8}, {}, {{kY, 1.0}});
  model.set({8}, {kY}, {{kEos, 0.25}, {kY, 0.75}});
  const std::vector<double> scores =
      forced_scores(model, {{7}, {7}, {8}}, {{kX, kY}, {}, {kY}});
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_NEAR(scores[0], std::log(0.6 * 0.5 * 0.9), 1e-6);
  EXPECT_NEAR(scores[1], std::log(0.3), 1e-6);
  EXPECT_NEAR(scores[2], std::log(1.0 * 0.25), 1e-6);
}

// Whatever beam search finds, scoring its output gives back the score it reported.
TEST(ForcedScore, EqualsTheScoresBeamSearchAddsUp) {
  TableModel model(9);
  model.use_random(5);
  const std::vector<std::vector<int32_t>> sources = {{3, 4}, {5}, {6, 7, 8}};
  BeamOptions options;
  options.beam_size = 4;
  options.n_best = 3;
  const std::vector<NBest> found = beam_search(model, sources, options);
  std::vector<std::vector<int32_t>> pair_sources, targets;
  std::vector<double> expected;
  for (size_t s = 0; s < sources.size(); ++s)
    for (const Hypothesis& h : found[s]) {
      pair_sources.push_back(sources[s]);
      targets.push_back(h.tokens);
      expected.push_back(h.score);
    }
  ASSERT_GE(expected.size(), 6u);
  const std::vector<double> scores = forced_scores(model, pair_sources, targets);
  for (size_t i = 0; i < scores.size(); ++i) EXPECT_NEAR(scores[i], expected[i], 1e-5) << i;
}

}  // namespace
}  // namespace attn
