// What a validation measures, and which of its numbers picks the best checkpoint
// (attn-train --valid-metric, Marian's --valid-metrics, fairseq's --best-checkpoint-metric).
//
//   ValidMetric metric = parse_valid_metric("bleu");
//   if (is_better(metric, metric_value(metric, now), best)) ... now is the new best
#pragma once

#include <string>

namespace attn {

struct ValidationResult {
  double loss = 0;  // mean NLL per target token
  double perplexity = 0;
  double accuracy = 0;     // token accuracy under teacher forcing
  double bleu = 0;         // of the validation decodes (greedy, or --valid-beam-size)
  double chrf = 0;
  double exact_match = 0;  // fraction of decodes equal to the reference
  double wer = 0;          // word error rate of the decodes (0.25 = 25%)
};

enum class ValidMetric { kLoss, kPerplexity, kBleu, kChrf, kExact, kWer };

// "loss" | "perplexity" | "bleu" | "chrf" | "exact" | "wer"; anything else throws InputError.
ValidMetric parse_valid_metric(const std::string& name);
std::string valid_metric_name(ValidMetric metric);

double metric_value(ValidMetric metric, const ValidationResult& result);

// Loss, perplexity and WER improve downwards; BLEU, chrF and exact match upwards. Ties are not
// improvements (the earlier checkpoint stays the best).
bool is_better(ValidMetric metric, double candidate, double best);

// The metrics that need the validation sentences decoded, not only scored.
bool needs_decoding(ValidMetric metric);

}  // namespace attn
