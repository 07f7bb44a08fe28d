#include "libattn/data/batching.h"

#include <algorithm>
#include <numeric>

#include "libattn/core/error.h"
#include "libattn/core/rng.h"
#include "libattn/data/vocab.h"

namespace attn {
namespace {

// Target positions of an example: its tokens plus BOS (in target_in) or EOS (target_out).
int64_t target_positions(const Example& e) { return static_cast<int64_t>(e.target.size()) + 1; }

// Tokens of a padded batch: B * max(S, T), the budget --batch-tokens bounds.
int64_t padded_cost(int64_t batch_size, int64_t source_max, int64_t target_max) {
  return batch_size * std::max(source_max, target_max);
}

template <typename T>
void shuffle(std::vector<T>* items, Rng& rng) {
  for (size_t i = items->size(); i > 1; --i) std::swap((*items)[i - 1], (*items)[rng.below(i)]);
}

}  // namespace

Batcher::Batcher(std::vector<Example> examples, const BatchOptions& options) : options_(options) {
  ATTN_CHECK(options.batch_tokens > 0, "batch_tokens must be > 0, got {}", options.batch_tokens);
  ATTN_CHECK(options.max_length >= 0, "max_length must be >= 0, got {}", options.max_length);
  ATTN_CHECK(options.sort_window > 0, "sort_window must be > 0, got {}", options.sort_window);
  const auto limit = static_cast<size_t>(options.max_length);
  for (Example& e : examples) {
    if (e.source.empty()) {
      ++counts_.skipped_empty_source;
      continue;
    }
    if (limit > 0 && (e.source.size() > limit || e.target.size() > limit)) {
      if (options.too_long == TooLong::kSkip) {
        ++counts_.skipped_too_long;
        continue;
      }
      e.source.resize(std::min(e.source.size(), limit));
      e.target.resize(std::min(e.target.size(), limit));
      ++counts_.cropped;
    }
    examples_.push_back(std::move(e));
  }
  counts_.kept = static_cast<int64_t>(examples_.size());
  if (examples_.empty()) {
    throw InputError(fmt::format(
        "no training examples left: {} longer than max_length {}, {} with an empty source",
        counts_.skipped_too_long, options.max_length, counts_.skipped_empty_source));
  }
}

void Batcher::cut(const std::vector<int64_t>& order,
                  std::vector<std::vector<int64_t>>* batches) const {
  std::vector<int64_t> current;
  int64_t source_max = 0, target_max = 0;
  for (int64_t index : order) {
    const Example& e = examples_[index];
    const int64_t s = std::max(source_max, static_cast<int64_t>(e.source.size()));
    const int64_t t = std::max(target_max, target_positions(e));
    const auto size = static_cast<int64_t>(current.size()) + 1;
    if (!current.empty() && padded_cost(size, s, t) > options_.batch_tokens) {
      batches->push_back(std::move(current));
      current.clear();
      source_max = static_cast<int64_t>(e.source.size());
      target_max = target_positions(e);
    } else {
      source_max = s;
      target_max = t;
    }
    current.push_back(index);
  }
  if (!current.empty()) batches->push_back(std::move(current));
}

std::vector<std::vector<int64_t>> Batcher::plan(int64_t epoch) const {
  ATTN_CHECK(epoch >= 0, "epoch must be >= 0, got {}", epoch);
  std::vector<int64_t> order(examples_.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<int64_t>> batches;
  if (options_.order == BatchOrder::kCorpus) {
    cut(order, &batches);
    return batches;
  }
  // One stream per (seed, epoch): the golden-ratio step keeps nearby seeds apart, and
  // Rng's splitmix64 seeding mixes the rest.
  Rng rng(options_.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1));
  shuffle(&order, rng);
  auto length = [&](int64_t i) {
    return std::max(static_cast<int64_t>(examples_[i].source.size()),
                    target_positions(examples_[i]));
  };
  for (size_t begin = 0; begin < order.size(); begin += options_.sort_window) {
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(options_.sort_window));
    std::vector<int64_t> window(order.begin() + begin, order.begin() + end);
    std::stable_sort(window.begin(), window.end(),
                     [&](int64_t a, int64_t b) { return length(a) < length(b); });
    cut(window, &batches);
  }
  shuffle(&batches, rng);
  return batches;
}

const std::vector<std::vector<int64_t>>& Batcher::epoch_plan(int64_t epoch) {
  if (planned_epoch_ != epoch) {
    planned_ = plan(epoch);
    planned_epoch_ = epoch;
  }
  return planned_;
}

Batch Batcher::next() {
  Batch batch = make_batch(epoch_plan(position_.epoch)[position_.batch]);
  skip();
  return batch;
}

void Batcher::skip() {
  if (++position_.batch == static_cast<int64_t>(epoch_plan(position_.epoch).size())) {
    ++position_.epoch;
    position_.batch = 0;
  }
}

void Batcher::seek(const BatchPosition& position) {
  if (position.epoch < 0 || position.batch < 0) {
    throw InputError(fmt::format("batch position (epoch {}, batch {}) is negative", position.epoch,
                                 position.batch));
  }
  const auto batches = static_cast<int64_t>(epoch_plan(position.epoch).size());
  if (position.batch >= batches) {
    throw InputError(fmt::format(
        "cannot resume at batch {} of epoch {}: this data makes {} batches per epoch; were the "
        "corpus or the batching options changed since the checkpoint?",
        position.batch, position.epoch, batches));
  }
  position_ = position;
}

Batch Batcher::make_batch(const std::vector<int64_t>& indices) const {
  ATTN_CHECK(!indices.empty(), "make_batch: no examples");
  int64_t source_max = 0, target_max = 0;
  for (int64_t i : indices) {
    ATTN_CHECK(i >= 0 && i < static_cast<int64_t>(examples_.size()),
               "make_batch: example {} out of range", i);
    source_max = std::max(source_max, static_cast<int64_t>(examples_[i].source.size()));
    target_max = std::max(target_max, target_positions(examples_[i]));
  }
  const auto rows = static_cast<int64_t>(indices.size());
  Batch batch;
  batch.source = Tensor::zeros_heap({rows, source_max}, DType::kI32);
  batch.target_in = Tensor::zeros_heap({rows, target_max}, DType::kI32);
  batch.target_out = Tensor::zeros_heap({rows, target_max}, DType::kI32);
  batch.example_indices = indices;
  for (int64_t b = 0; b < rows; ++b) {
    const Example& e = examples_[indices[b]];
    std::copy(e.source.begin(), e.source.end(), batch.source.ints() + b * source_max);
    int32_t* in = batch.target_in.ints() + b * target_max;
    int32_t* out = batch.target_out.ints() + b * target_max;
    in[0] = Vocabulary::kBos;
    std::copy(e.target.begin(), e.target.end(), in + 1);
    std::copy(e.target.begin(), e.target.end(), out);
    out[e.target.size()] = Vocabulary::kEos;
    batch.source_lengths.push_back(static_cast<int32_t>(e.source.size()));
    batch.target_lengths.push_back(static_cast<int32_t>(target_positions(e)));
    batch.target_tokens += target_positions(e);
  }
  return batch;
}

}  // namespace attn
