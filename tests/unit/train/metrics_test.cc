#include "libattn/train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/core/error.h"

namespace attn {
namespace {

// hyp "the cat sat on mat" vs ref "the cat sat on the mat", counted by hand:
//   1-grams 5/5, 2-grams 3/4 ("on mat" misses), 3-grams 2/3, 4-grams 1/2;
//   c = 5 < r = 6: BP = exp(1 - 6/5). BLEU = 100 * exp(-0.2) * (1 * 3/4 * 2/3 * 1/2)^(1/4).
TEST(Metrics, BleuByHand) {
  const BleuDetails bleu = corpus_bleu_details({"the cat sat on mat"}, {"the cat sat on the mat"});
  EXPECT_EQ(bleu.matches, (std::array<int64_t, 4>{5, 3, 2, 1}));
  EXPECT_EQ(bleu.totals, (std::array<int64_t, 4>{5, 4, 3, 2}));
  EXPECT_EQ(bleu.hypothesis_length, 5);
  EXPECT_EQ(bleu.reference_length, 6);
  EXPECT_NEAR(bleu.brevity_penalty, std::exp(-0.2), 1e-12);
  EXPECT_NEAR(bleu.score, 100 * std::exp(-0.2) * std::pow(0.25, 0.25), 1e-9);
  EXPECT_NEAR(bleu.score, 57.8930, 1e-4);
  EXPECT_NEAR(corpus_bleu({"a b c"}, {"a  b c"}), 0.0, 1e-12);  // no 4-gram at all: 0
  EXPECT_NEAR(corpus_bleu({"a b c d e"}, {"a b c d e"}), 100.0, 1e-9);
}

// Corpus statistics are summed before combining: adding the exact pair "a b c d" gives
// 9/9, 6/7, 4/5, 2/3 and c = 9 < r = 10.
TEST(Metrics, BleuIsCorpusLevel) {
  EXPECT_NEAR(corpus_bleu({"the cat sat on mat", "a b c d"}, {"the cat sat on the mat", "a b c d"}),
              100 * std::exp(1 - 10.0 / 9) * std::pow(6.0 / 7 * 4 / 5 * 2 / 3, 0.25), 1e-9);
}

// "a b c d e" vs "a b c x e": 4/5, 2/4, 1/3, 0/2. sacrebleu's exp smoothing turns the first
// order without a match into 1 / (2 * 2).
TEST(Metrics, BleuExpSmoothingAndZeroCases) {
  EXPECT_NEAR(corpus_bleu({"a b c d e"}, {"a b c x e"}),
              100 * std::pow(0.8 * 0.5 * (1.0 / 3) * 0.25, 0.25), 1e-9);
  EXPECT_EQ(corpus_bleu({"x y z w"}, {"a b c d"}), 0.0);
  EXPECT_EQ(corpus_bleu({""}, {"a b c d"}), 0.0);
  EXPECT_EQ(corpus_bleu({}, {}), 0.0);
  EXPECT_THROW(corpus_bleu({"a"}, {}), InputError);
}

// "ab" vs "abc" (whitespace ignored): 1-grams P = 2/2, R = 2/3; 2-grams P = 1/1, R = 1/2;
// no hypothesis 3-gram, so 2 orders count. P = 1, R = 7/12,
// F2 = 5 P R / (4 P + R) = (35/12) / (55/12) = 7/11.
TEST(Metrics, ChrfByHand) {
  EXPECT_NEAR(corpus_chrf({"ab"}, {"abc"}), 700.0 / 11, 1e-9);
  EXPECT_NEAR(corpus_chrf({"a b"}, {"a bc"}), 700.0 / 11, 1e-9);
  EXPECT_NEAR(corpus_chrf({"the cat"}, {"the cat"}), 100.0, 1e-9);
  EXPECT_EQ(corpus_chrf({"ab"}, {"cd"}), 0.0);
  EXPECT_EQ(corpus_chrf({""}, {"cd"}), 0.0);
  // Summed statistics: 1-grams 4/4 and 4/5, 2-grams 2/2 and 2/3: R = (4/5 + 2/3) / 2 = 11/15,
  // F2 = 5 (11/15) / (4 + 11/15) = 55/71.
  EXPECT_NEAR(corpus_chrf({"ab", "ab"}, {"abc", "ab"}), 5500.0 / 71, 1e-9);
  // Code points, not bytes: "né" vs "ne" share 1 of 2 characters and no bigram:
  // P = R = (1/2 + 0) / 2 = 1/4, F2 = 5/16 / (5/4) = 1/4.
  EXPECT_NEAR(corpus_chrf({"n\xc3\xa9"}, {"ne"}), 25.0, 1e-9);
}

TEST(Metrics, WordAndPositionIndependentErrorRates) {
  EXPECT_EQ(edit_distance({"a", "x", "c", "d"}, {"a", "b", "c"}), 2);  // b->x, +d
  EXPECT_EQ(edit_distance({}, {"a", "b"}), 2);
  EXPECT_NEAR(word_error_rate({"the cat sat"}, {"the cat sat on mat"}), 2.0 / 5, 1e-12);
  // Corpus: (2 + 2) errors over (5 + 3) reference words.
  EXPECT_NEAR(word_error_rate({"the cat sat", "a x c d"}, {"the cat sat on mat", "a b c"}), 0.5,
              1e-12);
  // Reordering costs WER (2 substitutions) but not PER.
  EXPECT_NEAR(word_error_rate({"c b a"}, {"a b c"}), 2.0 / 3, 1e-12);
  EXPECT_NEAR(position_independent_error_rate({"c b a"}, {"a b c"}), 0.0, 1e-12);
  // Bags {a, a, x} vs {a, b}: 1 in common, max(3, 2) - 1 = 2 errors over 2 words.
  EXPECT_NEAR(position_independent_error_rate({"a a x"}, {"a b"}), 1.0, 1e-12);
  EXPECT_THROW(word_error_rate({"a"}, {"a", "b"}), InputError);
}

TEST(Metrics, ExactMatchComparesTokens) {
  EXPECT_NEAR(exact_match({"a b", "c"}, {"a  b", "d"}), 0.5, 1e-12);
  EXPECT_EQ(exact_match({}, {}), 0.0);
}

}  // namespace
}  // namespace attn
