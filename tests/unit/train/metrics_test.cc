#include "libattn/train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace attn {
namespace {

TEST(Metrics, BleuOfIdenticalCorpusIs100AndDisjointIs0) {
  EXPECT_NEAR(corpus_bleu({"a b c d e"}, {"a b c d e"}), 100.0, 1e-9);
  EXPECT_EQ(corpus_bleu({"x y z w"}, {"a b c d"}), 0.0);
}

TEST(Metrics, BleuMatchesHandComputation) {
  // hyp "the cat sat on the mat" (6), ref "the cat is on the mat" (6):
  // 1-grams 5/6, 2-grams 3/5 (the cat, on the, the mat), 3-grams 1/4 (on the mat),
  // 4-grams 0/3 -> BLEU 0 without smoothing; add a second identical pair to lift it:
  // totals: 1g 11/12, 2g 8/10, 3g 5/8, 4g 2/6 (pair 2 "a b c d e f" contributes 6,5,4,3).
  double bleu = corpus_bleu({"the cat sat on the mat", "a b c d e f"},
                            {"the cat is on the mat", "a b c d e f"});
  double expect = 100 * std::exp((std::log(11.0 / 12) + std::log(8.0 / 10) + std::log(5.0 / 8) +
                                  std::log(3.0 / 6)) / 4);
  EXPECT_NEAR(bleu, expect, 1e-9);
}

TEST(Metrics, BleuBrevityPenalty) {
  // hyp 4 tokens, ref 8 tokens; all n-grams of the hypothesis match.
  double bleu = corpus_bleu({"a b c d"}, {"a b c d e f g h"});
  EXPECT_NEAR(bleu, 100 * std::exp(1 - 8.0 / 4), 1e-9);
}

TEST(Metrics, ChrfIdenticalIs100AndIgnoresSpaces) {
  EXPECT_NEAR(corpus_chrf({"abc def"}, {"abc def"}), 100.0, 1e-9);
  EXPECT_NEAR(corpus_chrf({"abcdef"}, {"abc def"}), 100.0, 1e-9);
  // "ab" vs "ac": 1-grams: match a -> P = R = 1/2; 2-grams: 0/1. Orders 3..6 absent.
  // P = R = (0.5 + 0) / 2 = 0.25 -> F = 0.25.
  EXPECT_NEAR(corpus_chrf({"ab"}, {"ac"}), 25.0, 1e-9);
}

TEST(Metrics, ExactMatchAndErrorRates) {
  EXPECT_DOUBLE_EQ(exact_match({"a b", "c"}, {"a  b", "d"}), 0.5);
  // ref "a b c d", hyp "a c b": Levenshtein 2 (sub b->c? a|b c d vs a c b: 2 edits... ):
  // alignment a=a, b->c (sub), c->b (sub), d deleted = 3; or a, insert c, b, delete c, d... = 3;
  // best: a, delete b, c, insert b, delete d -> 3. Bag: all of a,b,c matched -> PER (4-3)/4.
  ErrorRates r = error_rates({"a c b"}, {"a b c d"});
  EXPECT_EQ(r.edits, 3);
  EXPECT_EQ(r.reference_tokens, 4);
  EXPECT_DOUBLE_EQ(r.per(), 0.25);
  EXPECT_DOUBLE_EQ(error_rates({"x y"}, {"x y"}).wer(), 0.0);
}

}  // namespace
}  // namespace attn
