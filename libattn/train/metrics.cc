#include "libattn/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "libattn/core/error.h"
#include "libattn/data/utf8.h"

namespace attn {
namespace {

constexpr int kBleuOrder = 4;
constexpr int kChrfOrder = 6;
constexpr double kChrfBeta = 2.0;

void check_sizes(const std::vector<std::string>& hypotheses,
                 const std::vector<std::string>& references) {
  if (hypotheses.size() != references.size()) {
    throw InputError(fmt::format("{} hypotheses but {} references; one reference per line",
                                 hypotheses.size(), references.size()));
  }
}

std::vector<std::string> tokens_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

// Counts of every n-gram of `units`, joined with '\n' (which no token contains).
std::map<std::string, int64_t> ngram_counts(const std::vector<std::string>& units, size_t n) {
  std::map<std::string, int64_t> counts;
  for (size_t i = 0; i + n <= units.size(); ++i) {
    std::string key = units[i];
    for (size_t k = 1; k < n; ++k) key += '\n' + units[i + k];
    ++counts[key];
  }
  return counts;
}

int64_t total(const std::map<std::string, int64_t>& counts) {
  int64_t sum = 0;
  for (const auto& [gram, count] : counts) sum += count;
  return sum;
}

// Sum over n-grams of min(hypothesis count, reference count): the clipped matches.
int64_t clipped_matches(const std::map<std::string, int64_t>& hypothesis,
                        const std::map<std::string, int64_t>& reference) {
  int64_t matches = 0;
  for (const auto& [gram, count] : hypothesis) {
    auto it = reference.find(gram);
    if (it != reference.end()) matches += std::min(count, it->second);
  }
  return matches;
}

std::vector<std::string> characters_without_whitespace(const std::string& text) {
  std::vector<std::string> characters;
  for (std::string& c : utf8_characters(text)) {
    if (c.size() == 1 && std::isspace(static_cast<unsigned char>(c[0]))) continue;
    characters.push_back(std::move(c));
  }
  return characters;
}

}  // namespace

BleuDetails corpus_bleu_details(const std::vector<std::string>& hypotheses,
                                const std::vector<std::string>& references) {
  check_sizes(hypotheses, references);
  BleuDetails bleu;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const std::vector<std::string> hyp = tokens_of(hypotheses[i]);
    const std::vector<std::string> ref = tokens_of(references[i]);
    bleu.hypothesis_length += static_cast<int64_t>(hyp.size());
    bleu.reference_length += static_cast<int64_t>(ref.size());
    for (int n = 1; n <= kBleuOrder; ++n) {
      const auto hyp_grams = ngram_counts(hyp, n);
      bleu.totals[n - 1] += total(hyp_grams);
      bleu.matches[n - 1] += clipped_matches(hyp_grams, ngram_counts(ref, n));
    }
  }
  const double c = static_cast<double>(bleu.hypothesis_length);
  const double r = static_cast<double>(bleu.reference_length);
  bleu.brevity_penalty = c >= r ? 1.0 : (c > 0 ? std::exp(1.0 - r / c) : 0.0);
  if (bleu.matches[0] == 0) return bleu;  // nothing in common: 0, as sacrebleu

  double log_sum = 0;
  double smoothing = 1;
  for (int n = 0; n < kBleuOrder; ++n) {
    if (bleu.totals[n] == 0) return bleu;  // no n-grams of this order: 0
    if (bleu.matches[n] == 0) {
      smoothing *= 2;
      bleu.precisions[n] = 100.0 / (smoothing * static_cast<double>(bleu.totals[n]));
    } else {
      bleu.precisions[n] =
          100.0 * static_cast<double>(bleu.matches[n]) / static_cast<double>(bleu.totals[n]);
    }
    log_sum += std::log(bleu.precisions[n]);
  }
  bleu.score = bleu.brevity_penalty * std::exp(log_sum / kBleuOrder);
  return bleu;
}

double corpus_bleu(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references) {
  return corpus_bleu_details(hypotheses, references).score;
}

double corpus_chrf(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references) {
  check_sizes(hypotheses, references);
  std::array<int64_t, kChrfOrder> hyp_total{}, ref_total{}, matches{};
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const std::vector<std::string> hyp = characters_without_whitespace(hypotheses[i]);
    const std::vector<std::string> ref = characters_without_whitespace(references[i]);
    for (int n = 1; n <= kChrfOrder; ++n) {
      const auto hyp_grams = ngram_counts(hyp, n);
      const auto ref_grams = ngram_counts(ref, n);
      hyp_total[n - 1] += total(hyp_grams);
      ref_total[n - 1] += total(ref_grams);
      matches[n - 1] += clipped_matches(hyp_grams, ref_grams);
    }
  }
  double precision = 0, recall = 0;
  int orders = 0;
  for (int n = 0; n < kChrfOrder; ++n) {
    if (hyp_total[n] == 0 || ref_total[n] == 0) continue;
    precision += static_cast<double>(matches[n]) / static_cast<double>(hyp_total[n]);
    recall += static_cast<double>(matches[n]) / static_cast<double>(ref_total[n]);
    ++orders;
  }
  if (orders == 0) return 0;
  precision /= orders;
  recall /= orders;
  if (precision + recall == 0) return 0;
  const double beta2 = kChrfBeta * kChrfBeta;
  return 100.0 * (1 + beta2) * precision * recall / (beta2 * precision + recall);
}

int64_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  // One row of the Levenshtein table at a time.
  std::vector<int64_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int64_t diagonal = row[0];
    row[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int64_t above = row[j];
      row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

double word_error_rate(const std::vector<std::string>& hypotheses,
                       const std::vector<std::string>& references) {
  check_sizes(hypotheses, references);
  int64_t errors = 0, reference_tokens = 0;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const std::vector<std::string> ref = tokens_of(references[i]);
    errors += edit_distance(tokens_of(hypotheses[i]), ref);
    reference_tokens += static_cast<int64_t>(ref.size());
  }
  return static_cast<double>(errors) / static_cast<double>(std::max<int64_t>(reference_tokens, 1));
}

double position_independent_error_rate(const std::vector<std::string>& hypotheses,
                                       const std::vector<std::string>& references) {
  check_sizes(hypotheses, references);
  int64_t errors = 0, reference_tokens = 0;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const std::vector<std::string> hyp = tokens_of(hypotheses[i]);
    const std::vector<std::string> ref = tokens_of(references[i]);
    const int64_t common = clipped_matches(ngram_counts(hyp, 1), ngram_counts(ref, 1));
    errors += static_cast<int64_t>(std::max(hyp.size(), ref.size())) - common;
    reference_tokens += static_cast<int64_t>(ref.size());
  }
  return static_cast<double>(errors) / static_cast<double>(std::max<int64_t>(reference_tokens, 1));
}

double exact_match(const std::vector<std::string>& hypotheses,
                   const std::vector<std::string>& references) {
  check_sizes(hypotheses, references);
  if (hypotheses.empty()) return 0;
  int64_t equal = 0;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    if (tokens_of(hypotheses[i]) == tokens_of(references[i])) ++equal;
  }
  return static_cast<double>(equal) / static_cast<double>(hypotheses.size());
}

}  // namespace attn
