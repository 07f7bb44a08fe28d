#include "libattn/train/validation_metric.h"

#include <fmt/format.h>

#include "libattn/core/error.h"

namespace attn {

namespace {

struct MetricName {
  ValidMetric metric;
  const char* name;
};

constexpr MetricName kNames[] = {{ValidMetric::kLoss, "loss"},   {ValidMetric::kPerplexity, "perplexity"},
                                 {ValidMetric::kBleu, "bleu"},   {ValidMetric::kChrf, "chrf"},
                                 {ValidMetric::kExact, "exact"}, {ValidMetric::kWer, "wer"}};

}  // namespace

ValidMetric parse_valid_metric(const std::string& name) {
  for (const MetricName& entry : kNames)
    if (name == entry.name) return entry.metric;
  throw InputError(fmt::format(
      "--valid-metric must be loss, perplexity, bleu, chrf, exact or wer, not '{}'", name));
}

std::string valid_metric_name(ValidMetric metric) {
  for (const MetricName& entry : kNames)
    if (metric == entry.metric) return entry.name;
  ATTN_CHECK(false, "valid_metric_name: unknown metric {}", static_cast<int>(metric));
  return "";
}

double metric_value(ValidMetric metric, const ValidationResult& result) {
  switch (metric) {
    case ValidMetric::kLoss: return result.loss;
    case ValidMetric::kPerplexity: return result.perplexity;
    case ValidMetric::kBleu: return result.bleu;
    case ValidMetric::kChrf: return result.chrf;
    case ValidMetric::kExact: return result.exact_match;
    case ValidMetric::kWer: return result.wer;
  }
  return 0;
}

bool is_better(ValidMetric metric, double candidate, double best) {
  const bool lower_is_better = metric == ValidMetric::kLoss ||
                               metric == ValidMetric::kPerplexity || metric == ValidMetric::kWer;
  return lower_is_better ? candidate < best : candidate > best;
}

bool needs_decoding(ValidMetric metric) {
  return metric != ValidMetric::kLoss && metric != ValidMetric::kPerplexity;
}

}  // namespace attn
