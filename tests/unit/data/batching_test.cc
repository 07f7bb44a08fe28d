#include "libattn/data/batching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "libattn/core/error.h"
#include "libattn/core/rng.h"

namespace attn {
namespace {

Example example(int source_length, int target_length, int32_t first_id = 10) {
  Example e;
  for (int i = 0; i < source_length; ++i) e.source.push_back(first_id + i);
  for (int i = 0; i < target_length; ++i) e.target.push_back(first_id + 100 + i);
  return e;
}

std::vector<int32_t> ints(const Tensor& t) {
  return std::vector<int32_t>(t.ints(), t.ints() + t.numel());
}

// Lengths (source, target): cost of a row is max(S, target + 1).
//   0: (3, 2) -> 3    1: (2, 5) -> 6    2: (4, 1) -> 4    3: (1, 1) -> 2    4: (13, 1) -> 13
// Budget 12, corpus order: {0} 3; {0,1} 2*6 = 12 fits; {0,1,2} 3*6 = 18 cut.
// {2} 4; {2,3} 2*4 = 8; {2,3,4} 3*13 = 39 cut. {4} 13 > 12 but alone, so kept.
std::vector<Example> five_examples() {
  return {example(3, 2, 10), example(2, 5, 20), example(4, 1, 30), example(1, 1, 40),
          example(13, 1, 50)};
}

BatchOptions corpus_order(int64_t budget) {
  BatchOptions options;
  options.batch_tokens = budget;
  options.max_length = 0;
  options.order = BatchOrder::kCorpus;
  return options;
}

TEST(Batching, TokenBudgetByHand) {
  const Batcher batcher(five_examples(), corpus_order(12));
  EXPECT_EQ(batcher.plan(0), (std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}, {4}}));
  EXPECT_EQ(batcher.plan(5), batcher.plan(0));
}

TEST(Batching, PaddedTensorsByHand) {
  const Batcher batcher({example(3, 2, 10), example(2, 5, 20)}, corpus_order(100));
  const Batch batch = batcher.make_batch({0, 1});
  EXPECT_EQ(batch.source.shape(), (Shape{2, 3}));
  EXPECT_EQ(batch.source.dtype(), DType::kI32);
  EXPECT_EQ(ints(batch.source), (std::vector<int32_t>{10, 11, 12, 20, 21, 0}));
  EXPECT_EQ(batch.target_in.shape(), (Shape{2, 6}));
  EXPECT_EQ(ints(batch.target_in),
            (std::vector<int32_t>{2, 110, 111, 0, 0, 0, 2, 120, 121, 122, 123, 124}));
  EXPECT_EQ(ints(batch.target_out),
            (std::vector<int32_t>{110, 111, 3, 0, 0, 0, 120, 121, 122, 123, 124, 3}));
  EXPECT_EQ(batch.source_lengths, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(batch.target_lengths, (std::vector<int32_t>{3, 6}));
  EXPECT_EQ(batch.target_tokens, 9);
  EXPECT_EQ(batch.size(), 2);
}

TEST(Batching, MaxLengthSkipsOrCropsAndCounts) {
  std::vector<Example> examples = five_examples();
  examples.push_back(example(0, 3));
  BatchOptions options = corpus_order(100);
  options.max_length = 4;
  const Batcher skipping(examples, options);
  EXPECT_EQ(skipping.counts().skipped_too_long, 2);  // target 5, source 13
  EXPECT_EQ(skipping.counts().skipped_empty_source, 1);
  EXPECT_EQ(skipping.counts().kept, 3);
  EXPECT_EQ(skipping.counts().cropped, 0);
  options.too_long = TooLong::kCrop;
  const Batcher cropping(examples, options);
  EXPECT_EQ(cropping.counts().cropped, 2);
  EXPECT_EQ(cropping.counts().kept, 5);
  EXPECT_EQ(cropping.examples()[1].target, (std::vector<int32_t>{120, 121, 122, 123}));
  EXPECT_EQ(cropping.examples()[4].source, (std::vector<int32_t>{50, 51, 52, 53}));
  options.max_length = 1;
  options.too_long = TooLong::kSkip;
  EXPECT_THROW(Batcher({example(3, 3)}, options), InputError);
}

std::vector<Example> random_examples(int count) {
  Rng rng(7);
  std::vector<Example> examples;
  for (int i = 0; i < count; ++i) {
    examples.push_back(
        example(1 + static_cast<int>(rng.below(40)), static_cast<int>(rng.below(40)), i));
  }
  return examples;
}

int64_t row_cost(const Example& e) {
  return std::max<int64_t>(e.source.size(), e.target.size() + 1);
}

TEST(Batching, ShuffledEpochsAreReproducibleAndBucketed) {
  BatchOptions options;
  options.batch_tokens = 200;
  options.sort_window = 1000;  // one window: the whole corpus is sorted before cutting
  options.seed = 3;
  const Batcher batcher(random_examples(300), options);
  const auto epoch0 = batcher.plan(0);
  EXPECT_EQ(epoch0, Batcher(random_examples(300), options).plan(0));
  EXPECT_NE(epoch0, batcher.plan(1));
  options.seed = 4;
  EXPECT_NE(epoch0, Batcher(random_examples(300), options).plan(0));

  std::multiset<int64_t> seen;
  std::vector<std::pair<int64_t, int64_t>> ranges;  // (min, max) row cost per batch
  for (const auto& batch : epoch0) {
    int64_t low = 1 << 30, high = 0, source_max = 0, target_max = 0;
    for (int64_t i : batch) {
      seen.insert(i);
      const Example& e = batcher.examples()[i];
      low = std::min(low, row_cost(e));
      high = std::max(high, row_cost(e));
      source_max = std::max<int64_t>(source_max, e.source.size());
      target_max = std::max<int64_t>(target_max, e.target.size() + 1);
    }
    EXPECT_LE(static_cast<int64_t>(batch.size()) * std::max(source_max, target_max), 200);
    ranges.emplace_back(low, high);
  }
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 300u);  // each exactly once
  // Sorted then cut: the batches' length ranges do not overlap.
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k) EXPECT_LE(ranges[k - 1].second, ranges[k].first);
  // ...and the batch order itself is shuffled, not shortest first.
  EXPECT_FALSE(std::is_sorted(epoch0.begin(), epoch0.end(), [&](const auto& a, const auto& b) {
    return row_cost(batcher.examples()[a[0]]) < row_cost(batcher.examples()[b[0]]);
  }));
}

TEST(Batching, ResumeFromSavedPositionGivesTheSameBatches) {
  BatchOptions options;
  options.batch_tokens = 300;
  Batcher first(random_examples(60), options);
  const auto per_epoch = static_cast<int64_t>(first.plan(0).size());
  ASSERT_GT(per_epoch, 2);
  for (int k = 0; k < per_epoch - 1; ++k) first.next();
  const BatchPosition saved = first.position();
  EXPECT_EQ(saved.epoch, 0);
  EXPECT_EQ(saved.batch, per_epoch - 1);
  std::vector<std::vector<int64_t>> expected;
  for (int k = 0; k < 4; ++k) expected.push_back(first.next().example_indices);
  EXPECT_EQ(first.position().epoch, 1);  // crossed into the next epoch
  EXPECT_EQ(expected[1], first.plan(1)[0]);

  Batcher resumed(random_examples(60), options);
  resumed.seek(saved);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(resumed.next().example_indices, expected[k]);
  EXPECT_THROW(resumed.seek(BatchPosition{0, per_epoch}), InputError);
  EXPECT_THROW(resumed.seek(BatchPosition{-1, 0}), InputError);
}

// Data parallelism: a rank skips the other ranks' batches. Skipping must move through the
// epochs exactly as building them does, so every rank's position stays the job's.
TEST(Batching, SkipAdvancesLikeNextAcrossEpochs) {
  BatchOptions options;
  options.batch_tokens = 300;
  Batcher built(random_examples(60), options), skipping(random_examples(60), options);
  const auto per_epoch = static_cast<int64_t>(built.plan(0).size());
  ASSERT_GT(per_epoch, 2);
  for (int64_t k = 0; k < 2 * per_epoch + 1; ++k) {
    const Batch batch = built.next();
    if (k % 2 == 0) {
      skipping.skip();
    } else {
      EXPECT_EQ(skipping.next().example_indices, batch.example_indices) << "batch " << k;
    }
    EXPECT_EQ(skipping.position().epoch, built.position().epoch);
    EXPECT_EQ(skipping.position().batch, built.position().batch);
  }
  EXPECT_EQ(skipping.position().epoch, 2);
}

}  // namespace
}  // namespace attn
