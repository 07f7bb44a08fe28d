#include "libattn/train/validation_metric.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"

namespace attn {
namespace {

TEST(ValidMetric, NamesRoundTripAndUnknownOnesAreRefused) {
  for (const char* name : {"loss", "perplexity", "bleu", "chrf", "exact", "wer"})
    EXPECT_EQ(valid_metric_name(parse_valid_metric(name)), name);
  EXPECT_THROW(parse_valid_metric("accuracy"), InputError);
  EXPECT_THROW(parse_valid_metric(""), InputError);
}

TEST(ValidMetric, EachReadsItsOwnNumber) {
  ValidationResult r;
  r.loss = 1, r.perplexity = 2, r.bleu = 3, r.chrf = 4, r.exact_match = 5, r.wer = 6;
  EXPECT_EQ(metric_value(ValidMetric::kLoss, r), 1);
  EXPECT_EQ(metric_value(ValidMetric::kPerplexity, r), 2);
  EXPECT_EQ(metric_value(ValidMetric::kBleu, r), 3);
  EXPECT_EQ(metric_value(ValidMetric::kChrf, r), 4);
  EXPECT_EQ(metric_value(ValidMetric::kExact, r), 5);
  EXPECT_EQ(metric_value(ValidMetric::kWer, r), 6);
}

TEST(ValidMetric, ErrorsImproveDownwardsScoresUpwardsTiesNever) {
  for (ValidMetric m : {ValidMetric::kLoss, ValidMetric::kPerplexity, ValidMetric::kWer}) {
    EXPECT_TRUE(is_better(m, 0.5, 0.6));
    EXPECT_FALSE(is_better(m, 0.7, 0.6));
    EXPECT_FALSE(is_better(m, 0.6, 0.6));
  }
  for (ValidMetric m : {ValidMetric::kBleu, ValidMetric::kChrf, ValidMetric::kExact}) {
    EXPECT_TRUE(is_better(m, 30, 20));
    EXPECT_FALSE(is_better(m, 10, 20));
    EXPECT_FALSE(is_better(m, 20, 20));
  }
  EXPECT_FALSE(needs_decoding(ValidMetric::kLoss));
  EXPECT_FALSE(needs_decoding(ValidMetric::kPerplexity));
  EXPECT_TRUE(needs_decoding(ValidMetric::kWer));
  EXPECT_TRUE(needs_decoding(ValidMetric::kBleu));
}

}  // namespace
}  // namespace attn
