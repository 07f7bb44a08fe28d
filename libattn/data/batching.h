// Token-budget batches with length bucketing, reproducible per (seed, epoch), resumable.
//
//   BatchOptions options;                      // batch_tokens 4096, max_length 100, ...
//   Batcher batcher(std::move(examples), options);
//   log("skipped {} too long", batcher.counts().skipped_too_long);   // never silent
//   for (int step = 0; step < steps; ++step) {
//     Batch batch = batcher.next();            // batch.source [B, S], batch.target_in [B, T]
//     ... train on it; checkpoint batcher.position() ...
//   }
//   batcher.seek(saved_position);              // resume: the same batches follow
//
// Shuffled order (Marian's "maxi-batch"): shuffle all examples, sort each window of
// sort_window examples by length so a batch holds similar lengths (little padding), cut
// each window into batches under the token budget, then shuffle the batches. The cost of
// a batch is its padded size B * max(S, T); a single example over the budget still forms
// a batch of its own, it is never dropped.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

enum class BatchOrder : uint8_t {
  kShuffled,  // training: shuffled and length-bucketed, different each epoch
  kCorpus,    // validation: corpus order, the same every epoch
};

enum class TooLong : uint8_t {
  kSkip,  // drop the pair (Marian's default)
  kCrop,  // keep its first max_length tokens on each side (Marian's --max-length-crop)
};

struct BatchOptions {
  int64_t batch_tokens = 4096;  // budget on B * max(S, T) per batch
  int64_t max_length = 100;     // tokens per side, BOS/EOS excluded; 0 = no limit
  TooLong too_long = TooLong::kSkip;
  BatchOrder order = BatchOrder::kShuffled;
  int64_t sort_window = 10000;  // examples sorted by length together (kShuffled)
  uint64_t seed = 1;
};

// One sentence pair as vocabulary ids, without BOS/EOS.
struct Example {
  std::vector<int32_t> source;
  std::vector<int32_t> target;
};

struct Batch {
  Tensor source;                         // [B, S] int32, padded with 0 (<pad>)
  Tensor target_in;                      // [B, T] int32: BOS y_1 ... y_n, padded (decoder input)
  Tensor target_out;                     // [B, T] int32: y_1 ... y_n EOS, padded (what to predict)
  std::vector<int32_t> source_lengths;   // [B] tokens before padding
  std::vector<int32_t> target_lengths;   // [B] n + 1: non-pad positions of target_in/out
  std::vector<int64_t> example_indices;  // [B] into the Batcher's examples (after filtering)
  int64_t target_tokens = 0;             // sum of target_lengths: the loss's token count
  int64_t size() const { return static_cast<int64_t>(example_indices.size()); }
};

// What the max_length rule and empty sources did to the data.
struct FilterCounts {
  int64_t kept = 0;
  int64_t skipped_too_long = 0;
  int64_t cropped = 0;
  int64_t skipped_empty_source = 0;  // nothing to attend to
};

// The next batch to produce: batch `batch` of epoch `epoch` (both from 0).
struct BatchPosition {
  int64_t epoch = 0;
  int64_t batch = 0;
};

class Batcher {
 public:
  // Applies max_length and drops pairs with an empty source, counting both. Throws
  // InputError when no example is left.
  Batcher(std::vector<Example> examples, const BatchOptions& options);

  const FilterCounts& counts() const { return counts_; }
  const BatchOptions& options() const { return options_; }
  const std::vector<Example>& examples() const { return examples_; }

  // The example indices of every batch of `epoch`, in order; a function of (seed, epoch).
  std::vector<std::vector<int64_t>> plan(int64_t epoch) const;

  // The batch at position(), then advances; after an epoch's last batch, the next epoch.
  Batch next();
  // Advances past the batch at position() without building it: another rank's share.
  void skip();
  BatchPosition position() const { return position_; }
  // Resume at a saved position; InputError when it does not exist for this data.
  void seek(const BatchPosition& position);

  Batch make_batch(const std::vector<int64_t>& indices) const;

 private:
  std::vector<Example> examples_;
  BatchOptions options_;
  FilterCounts counts_;
  BatchPosition position_;
  int64_t planned_epoch_ = -1;
  std::vector<std::vector<int64_t>> planned_;

  void cut(const std::vector<int64_t>& order, std::vector<std::vector<int64_t>>* batches) const;
  const std::vector<std::vector<int64_t>>& epoch_plan(int64_t epoch);
};

}  // namespace attn
