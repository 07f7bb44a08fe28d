// Validation metrics over whitespace-tokenized text, one hypothesis per reference.
//
//   double bleu = corpus_bleu(hypotheses, references);      // 0..100, as sacrebleu prints
//   double chrf = corpus_chrf(hypotheses, references);      // 0..100
//   double wer = word_error_rate(hypotheses, references);   // 0.25 = 25% (can exceed 1)
//   double em = exact_match(hypotheses, references);        // fraction of identical lines
//
// Every metric is corpus-level: statistics are summed over sentences, then combined (not an
// average of sentence scores). Sizes that differ throw InputError.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attn {

struct BleuDetails {
  double score = 0;                    // 0..100
  std::array<int64_t, 4> matches{};    // clipped n-gram matches, n = 1..4
  std::array<int64_t, 4> totals{};     // hypothesis n-grams
  std::array<double, 4> precisions{};  // 0..100, after smoothing
  double brevity_penalty = 0;
  int64_t hypothesis_length = 0;
  int64_t reference_length = 0;
};

// BLEU (Papineni et al. 2002): geometric mean of clipped 1..4-gram precisions times the
// brevity penalty exp(1 - r/c) when c < r. Computed as sacrebleu does with
// tokenize="none" (tokens = whitespace split): "exp" smoothing (the k-th precision with no
// match becomes 1 / (2^k * total)), an order with no hypothesis n-gram makes the score 0,
// and a corpus with no matching unigram scores 0.
BleuDetails corpus_bleu_details(const std::vector<std::string>& hypotheses,
                                const std::vector<std::string>& references);
double corpus_bleu(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references);

// chrF (Popović 2015) as sacrebleu's defaults compute it: character 1..6-grams over code
// points with whitespace removed, beta = 2 (recall weighs more), precision and recall
// averaged over the orders where both sides have n-grams, then F-beta of the averages.
double corpus_chrf(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references);

// Word error rate: token-level Levenshtein distance (substitutions + insertions +
// deletions) summed over the corpus, divided by the reference tokens (at least 1).
double word_error_rate(const std::vector<std::string>& hypotheses,
                       const std::vector<std::string>& references);

// Position-independent error rate (Tillmann et al. 1997): the edit distance between the
// two bags of tokens, max(|hyp|, |ref|) - |hyp ∩ ref|, summed, over the reference tokens.
double position_independent_error_rate(const std::vector<std::string>& hypotheses,
                                       const std::vector<std::string>& references);

// Fraction of hypotheses whose token sequence equals the reference's (so spacing differences
// do not count). 0 for an empty corpus.
double exact_match(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references);

// The edit distance between two token sequences (unit costs).
int64_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace attn
