#include "libattn/decode/beam_search.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/decode/alignment.h"
#include "libattn/decode/greedy.h"
#include "tests/unit/decode/table_model.h"

namespace attn {
namespace {

constexpr int32_t kI = 2, kAm = 3, kChinese = 4, kA = 5;

BeamOptions beam(int beam_size, int n_best, float alpha) {
  BeamOptions options;
  options.beam_size = beam_size;
  options.n_best = n_best;
  options.length_penalty = alpha;
  options.max_length = 10;
  options.max_length_factor = 0;
  return options;
}

// Greedy takes "am" (0.5) then EOS (0.6): p = 0.30. Beam 2 also follows "I" (0.4), and
// "I am" (0.4 * 0.9 = 0.36) then EOS (0.9) gives p = 0.324 > 0.30.
//   step 1: live am .5, I .4
//   step 2: I am .36 | am EOS .30 (rank 1 -> finished) | am Chinese .20 ; I EOS .04 unused
//   step 3: I am EOS .324 (finished), am Chinese EOS .20 (finished): 3 finished >= 2, stop.
void set_i_am(TableModel& model, const std::vector<int32_t>& source) {
  model.set(source, {}, {{kI, 0.4}, {kAm, 0.5}, {kChinese, 0.1}});
  model.set(source, {kAm}, {{kEos, 0.6}, {kChinese, 0.4}});
  model.set(source, {kI}, {{kAm, 0.9}, {kEos, 0.1}});
  model.set(source, {kI, kAm}, {{kEos, 0.9}, {kChinese, 0.1}});
}

TEST(BeamSearch, HandWorkedBeamAndNBestOrder) {
  TableModel model(6);
  set_i_am(model, {7});
  const std::vector<NBest> out = beam_search(model, {{7}}, beam(2, 2, 0.0f));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), 2u);
  EXPECT_EQ(out[0][0].tokens, (std::vector<int32_t>{kI, kAm}));
  EXPECT_NEAR(out[0][0].score, std::log(0.324), 1e-6);
  EXPECT_NEAR(out[0][0].normalized_score, std::log(0.324), 1e-6);
  EXPECT_EQ(out[0][1].tokens, (std::vector<int32_t>{kAm}));
  EXPECT_NEAR(out[0][1].score, std::log(0.30), 1e-6);

  const std::vector<NBest> greedy = greedy_search(model, {{7}}, beam(1, 1, 0.0f));
  EXPECT_EQ(greedy[0][0].tokens, (std::vector<int32_t>{kAm}));
  EXPECT_NEAR(greedy[0][0].score, std::log(0.30), 1e-6);
}

TEST(BeamSearch, FinishedHypothesesLeaveTheBeamAndCachesFollow) {
  TableModel model(6);
  set_i_am(model, {7});
  beam_search(model, {{7}}, beam(2, 2, 0.0f));
  // After step 1 both live hypotheses ("am", "I") continue the single first row; after
  // step 2 "am" has finished, so "I am" continues row 1 ("I") and "am Chinese" row 0.
  EXPECT_EQ(model.reorders, (std::vector<std::vector<int32_t>>{{0, 0}, {1, 0}}));
  EXPECT_EQ(model.step_tokens,
            (std::vector<std::vector<int32_t>>{{kBos}, {kAm, kI}, {kAm, kChinese}}));
}

// Beam 3, step 2 ranks: a EOS .45, I EOS .27, am Chinese .14, am EOS .06, a Chinese .05,
// I Chinese .03. "am EOS" ranks 4th, behind 3 better continuations, so it does not finish
// (only an EOS among the first beam_size ranks does); the beam keeps 3 live hypotheses,
// which all end at step 3 (unlisted prefixes give EOS with p = 1).
TEST(BeamSearch, EosBelowTheBeamDoesNotFinish) {
  TableModel model(6);
  model.set({9}, {}, {{kA, 0.5}, {kI, 0.3}, {kAm, 0.2}});
  model.set({9}, {kA}, {{kEos, 0.9}, {kChinese, 0.1}});
  model.set({9}, {kI}, {{kEos, 0.9}, {kChinese, 0.1}});
  model.set({9}, {kAm}, {{kEos, 0.3}, {kChinese, 0.7}});
  const NBest out = beam_search(model, {{9}}, beam(3, 3, 0.0f))[0];
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].tokens, (std::vector<int32_t>{kA}));
  EXPECT_NEAR(out[0].score, std::log(0.45), 1e-6);
  EXPECT_EQ(out[1].tokens, (std::vector<int32_t>{kI}));
  EXPECT_NEAR(out[1].score, std::log(0.27), 1e-6);
  EXPECT_EQ(out[2].tokens, (std::vector<int32_t>{kAm, kChinese}));
  EXPECT_NEAR(out[2].score, std::log(0.14), 1e-6);
  // Live after step 2: "am Chinese" (row 2), "a Chinese" (row 0), "I Chinese" (row 1).
  EXPECT_EQ(model.reorders, (std::vector<std::vector<int32_t>>{{0, 0, 0}, {2, 0, 1}}));
}

// Step 1: EOS .6 finishes at once; the live "a" (.3) and "I" (.1) can only fall below
// log .6 without normalization, so the search stops after one step. With alpha 1 a live
// hypothesis could still reach log(.3) / 11 at max_length 10, so the search goes on.
TEST(BeamSearch, StopsWhenNoLiveHypothesisCanWin) {
  TableModel model(6);
  model.set({9}, {}, {{kEos, 0.6}, {kA, 0.3}, {kI, 0.1}});
  const NBest raw = beam_search(model, {{9}}, beam(3, 1, 0.0f))[0];
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_TRUE(raw[0].tokens.empty());
  EXPECT_NEAR(raw[0].score, std::log(0.6), 1e-6);
  EXPECT_EQ(model.step_tokens.size(), 1u);
  model.step_tokens.clear();
  beam_search(model, {{9}}, beam(3, 1, 1.0f));
  EXPECT_EQ(model.step_tokens.size(), 2u);
}

// Raw scores prefer "am" (0.6 * 0.55 = 0.33) over "am Chinese" (0.6 * 0.45 * 1 = 0.27);
// normalized by length (alpha 1, EOS counted): log(.33)/2 = -0.5543 < log(.27)/3 = -0.4364.
// The "I" branch (I am .2, I a .2) loses either way. Beam 2:
//   step 2: am EOS .33 (finished, one place gone) | am Chinese .27, I am .2 live
//   step 3: one place left: am Chinese EOS .27 finishes; I am EOS (rank 1) does not.
TEST(BeamSearch, LengthPenaltyChangesTheWinner) {
  TableModel model(6);
  model.set({7}, {}, {{kAm, 0.6}, {kI, 0.4}});
  model.set({7}, {kAm}, {{kEos, 0.55}, {kChinese, 0.45}});
  model.set({7}, {kI}, {{kAm, 0.5}, {kA, 0.5}});
  const NBest raw = beam_search(model, {{7}}, beam(2, 1, 0.0f))[0];
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].tokens, (std::vector<int32_t>{kAm}));
  const NBest normalized = beam_search(model, {{7}}, beam(2, 2, 1.0f))[0];
  ASSERT_EQ(normalized.size(), 2u);
  EXPECT_EQ(normalized[0].tokens, (std::vector<int32_t>{kAm, kChinese}));
  EXPECT_NEAR(normalized[0].normalized_score, std::log(0.27) / 3, 1e-6);
  EXPECT_NEAR(normalized[0].score, std::log(0.27), 1e-6);
  EXPECT_EQ(normalized[1].tokens, (std::vector<int32_t>{kAm}));
  EXPECT_NEAR(normalized[1].normalized_score, std::log(0.33) / 2, 1e-6);
}

// "a" always has p = 0.9, EOS 0.1: only the length limit ends the output, with EOS forced.
TEST(BeamSearch, MaxLengthStops) {
  TableModel model(6);
  model.set_fallback({{kA, 0.9}, {kEos, 0.1}});
  BeamOptions options = beam(1, 1, 0.0f);
  options.max_length = 3;
  for (const std::vector<NBest>& out :
       {greedy_search(model, {{7, 8}}, options), beam_search(model, {{7, 8}}, options)}) {
    EXPECT_EQ(out[0][0].tokens, (std::vector<int32_t>{kA, kA, kA}));
    EXPECT_NEAR(out[0][0].score, 3 * std::log(0.9) + std::log(0.1), 1e-5);
  }
  options.max_length = 100;
  options.max_length_factor = 1.5f;  // ceil(1.5 * 3) = 5 for a 3-token source
  EXPECT_EQ(greedy_search(model, {{7, 8, 9}}, options)[0][0].tokens.size(), 5u);
  options.beam_size = 3;
  const std::vector<NBest> beamed = beam_search(model, {{7, 8, 9}}, options);
  for (const Hypothesis& h : beamed[0]) {
    EXPECT_LE(h.tokens.size(), 5u);
  }
  options.max_length = 0;
  const NBest empty = beam_search(model, {{7}}, options)[0];
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].tokens.empty());
  EXPECT_NEAR(empty[0].score, std::log(0.1), 1e-6);
}

// stop_at_limit (CTranslate2's rule): the output ends with its limit-th token, no EOS is
// forced or counted, and the step that would force it is not run.
TEST(BeamSearch, StopAtLimitEndsWithoutEos) {
  TableModel model(6);
  model.set_fallback({{kA, 0.9}, {kEos, 0.1}});
  BeamOptions options = beam(1, 1, 0.0f);
  options.max_length = 3;
  options.stop_at_limit = true;
  for (int size : {1, 2}) {
    options.beam_size = options.n_best = size;
    model.step_tokens.clear();
    const std::vector<NBest> out = size == 1 ? greedy_search(model, {{7, 8}}, options)
                                             : beam_search(model, {{7, 8}}, options);
    EXPECT_EQ(out[0][0].tokens, (std::vector<int32_t>{kA, kA, kA})) << "beam " << size;
    EXPECT_NEAR(out[0][0].score, 3 * std::log(0.9), 1e-5) << "beam " << size;
    EXPECT_EQ(model.step_tokens.size(), 3u) << "beam " << size;
  }
}

// At max_length 1, beam 2: step 1 gives a .5, b .4. Marian's rule forces EOS next, and
// "a EOS" (.5 x .1) loses to "b EOS" (.4 x .9); CTranslate2's rule ends both after step 1,
// and "a" (.5) wins. Both keep only the first beam_size ranks.
TEST(BeamSearch, StopAtLimitRanksWithoutTheForcedEos) {
  TableModel model(6);
  model.set({7}, {}, {{kA, 0.5}, {kI, 0.4}, {kEos, 0.1}});
  model.set({7}, {kA}, {{kEos, 0.1}, {kChinese, 0.9}});
  model.set({7}, {kI}, {{kEos, 0.9}, {kChinese, 0.1}});
  BeamOptions options = beam(2, 2, 0.0f);
  options.max_length = 1;
  const NBest marian = beam_search(model, {{7}}, options)[0];
  ASSERT_EQ(marian.size(), 2u);
  EXPECT_EQ(marian[0].tokens, (std::vector<int32_t>{kI}));
  EXPECT_NEAR(marian[0].score, std::log(0.36), 1e-6);
  options.stop_at_limit = true;
  const NBest ct2 = beam_search(model, {{7}}, options)[0];
  ASSERT_EQ(ct2.size(), 2u);
  EXPECT_EQ(ct2[0].tokens, (std::vector<int32_t>{kA}));
  EXPECT_NEAR(ct2[0].score, std::log(0.5), 1e-6);
  EXPECT_EQ(ct2[1].tokens, (std::vector<int32_t>{kI}));
  EXPECT_NEAR(ct2[1].score, std::log(0.4), 1e-6);
}

void expect_same(const Hypothesis& a, const Hypothesis& b) {
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_FLOAT_EQ(static_cast<float>(a.score), static_cast<float>(b.score));
  EXPECT_FLOAT_EQ(static_cast<float>(a.normalized_score), static_cast<float>(b.normalized_score));
  EXPECT_EQ(a.attention, b.attention);
}

const std::vector<std::vector<int32_t>> kRandomSources = {{3, 4, 5}, {6},    {7, 7, 2, 9, 4},
                                                          {},        {2, 3}, {8, 8, 8, 8}};

TEST(BeamSearch, BeamOneEqualsGreedy) {
  TableModel model(9);
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    model.use_random(seed);
    BeamOptions options = beam(1, 1, 0.6f);
    options.max_length_factor = 2.0f;
    options.return_alignment = true;
    const std::vector<NBest> greedy = greedy_search(model, kRandomSources, options);
    const std::vector<NBest> beamed = beam_search(model, kRandomSources, options);
    ASSERT_EQ(beamed.size(), greedy.size());
    for (size_t s = 0; s < greedy.size(); ++s) {
      ASSERT_EQ(beamed[s].size(), 1u);
      expect_same(beamed[s][0], greedy[s][0]);
    }
  }
}

TEST(BeamSearch, BatchEqualsOneByOne) {
  TableModel model(9);
  model.use_random(11);
  BeamOptions options = beam(4, 3, 1.0f);
  options.return_alignment = true;
  BeamOptions greedy_options = options;
  greedy_options.beam_size = greedy_options.n_best = 1;
  const std::vector<NBest> batched = beam_search(model, kRandomSources, options);
  const std::vector<NBest> greedy_batched = greedy_search(model, kRandomSources, greedy_options);
  size_t hypotheses = 0;
  for (size_t s = 0; s < kRandomSources.size(); ++s) {
    const NBest alone = beam_search(model, {kRandomSources[s]}, options)[0];
    ASSERT_EQ(batched[s].size(), alone.size()) << "sentence " << s;
    for (size_t k = 0; k < alone.size(); ++k) expect_same(batched[s][k], alone[k]);
    for (size_t k = 1; k < alone.size(); ++k) {
      EXPECT_GE(alone[k - 1].normalized_score, alone[k].normalized_score);
    }
    hypotheses += alone.size();
    expect_same(greedy_batched[s][0],
                greedy_search(model, {kRandomSources[s]}, greedy_options)[0][0]);
  }
  EXPECT_GT(hypotheses, kRandomSources.size());  // the n-best lists are not trivial
}

TEST(BeamSearch, TwoDifferentSourcesTogether) {
  TableModel model(6);
  set_i_am(model, {7});
  model.set({8}, {}, {{kChinese, 1.0}});
  const std::vector<NBest> out = beam_search(model, {{7}, {8}}, beam(2, 1, 0.0f));
  EXPECT_EQ(out[0][0].tokens, (std::vector<int32_t>{kI, kAm}));
  EXPECT_EQ(out[1][0].tokens, (std::vector<int32_t>{kChinese}));
  EXPECT_NEAR(out[1][0].score, 0.0, 1e-6);
}

TEST(BeamSearch, AlignmentFollowsAttention) {
  TableModel model(6);
  model.set({7, 8, 9}, {}, {{kI, 1.0}});
  model.set({7, 8, 9}, {kI}, {{kAm, 1.0}});
  model.set({7, 8, 9}, {kI, kAm}, {{kChinese, 1.0}});
  BeamOptions options = beam(2, 1, 0.0f);
  options.return_alignment = true;
  // With the shorter source in the batch, S = 4 columns: rows are cut to 3.
  const std::vector<NBest> out = beam_search(model, {{7, 8, 9}, {5}}, options);
  const Hypothesis& h = out[0][0];
  ASSERT_EQ(h.attention.size(), 3u);
  EXPECT_EQ(h.attention[0], (std::vector<float>{0.1f, 0.1f, 0.7f}));
  EXPECT_EQ(hard_alignment(h.attention), "2-0 1-1 0-2");
  options.return_alignment = false;
  EXPECT_TRUE(beam_search(model, {{7, 8, 9}}, options)[0][0].attention.empty());
}

TEST(BeamSearch, RejectsBadOptions) {
  TableModel model(6);
  EXPECT_THROW(beam_search(model, {{7}}, beam(0, 1, 0.0f)), Error);
  EXPECT_THROW(beam_search(model, {{7}}, beam(2, 3, 0.0f)), Error);
  EXPECT_TRUE(beam_search(model, {}, beam(2, 1, 0.0f)).empty());
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

// Two weak hypotheses end early (B EOS, C EOS at .125 each) while the strong one (A A A, .49)
// is still going. If finished hypotheses did not take places from the beam, B x and C x
// would refill it and finish too, three finished would stop the search, and beam 3 would
// return B (.125), far worse than greedy's A A A.
TEST(BeamSearch, EarlyEndingRivalsDoNotCrowdOutTheBest) {
  constexpr int32_t kB = 2, kC = 3, kX = 4, kAa = 5;
  TableModel model(6);
  model.set({7}, {}, {{kAa, 0.5}, {kB, 0.25}, {kC, 0.25}});
  model.set({7}, {kAa}, {{kAa, 0.99}, {kEos, 0.01}});
  model.set({7}, {kAa, kAa}, {{kAa, 0.99}, {kEos, 0.01}});
  model.set({7}, {kB}, {{kEos, 0.5}, {kX, 0.5}});
  model.set({7}, {kC}, {{kEos, 0.5}, {kX, 0.5}});
  const NBest greedy = greedy_search(model, {{7}}, beam(1, 1, 0.0f))[0];
  ASSERT_EQ(greedy[0].tokens, (std::vector<int32_t>{kAa, kAa, kAa}));
  const NBest best = beam_search(model, {{7}}, beam(3, 1, 0.0f))[0];
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].tokens, greedy[0].tokens);
  EXPECT_NEAR(best[0].score, std::log(0.5 * 0.99 * 0.99), 1e-6);
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

// Marian never outputs <unk> unless told to: with forbid_unk the search takes the next best
// token, and the other tokens keep their log-probabilities (no renormalisation).
TEST(BeamSearch, ForbidUnkTakesTheNextBestToken) {
  constexpr int32_t kUnk = 4, kWord = 3;
  TableModel model(6);
  model.unk = kUnk;
  model.set({7}, {}, {{kUnk, 0.6}, {kWord, 0.3}, {kEos, 0.1}});
  BeamOptions options = beam(2, 1, 0.0f);
  EXPECT_EQ(greedy_search(model, {{7}}, options)[0][0].tokens, (std::vector<int32_t>{kUnk}));
  options.forbid_unk = true;
  for (const Hypothesis& best :
       {greedy_search(model, {{7}}, options)[0][0], beam_search(model, {{7}}, options)[0][0]}) {
    EXPECT_EQ(best.tokens, (std::vector<int32_t>{kWord}));
    EXPECT_NEAR(best.score, std::log(0.3), 1e-6);  // then EOS with p = 1
  }
}

}  // namespace
}  // namespace attn
