// A DecoderModel whose next-token distributions are a table written by the test:
// (source sentence, prefix) -> probabilities. Used to check searches against hand-worked
// beams.
//
//   TableModel model(/*vocab=*/6);
//   model.set({7}, {}, {{kAm, 0.5}, {kI, 0.4}, {kChinese, 0.1}});   // source {7}, step 1
//   model.set({7}, {kAm}, {{kEos, 0.6}, {kChinese, 0.4}});
//
// A prefix without an entry ends the sentence (EOS with probability 1), or uses the
// fallback distribution when one is set, or, after use_random(seed), a pseudo-random
// distribution that is a fixed function of (seed, source, prefix) and favours EOS more
// as the prefix grows. Each step's attention row for a row whose prefix
// has t tokens puts 0.7 on source position (len - 1 - t % len) and 0.1 elsewhere, over
// S = longest source + 1 columns (the last one an appended EOS, as real models have).
#pragma once

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "libattn/core/error.h"
#include "libattn/core/rng.h"
#include "libattn/decode/decoder_model.h"

namespace attn {

constexpr int32_t kBos = 0;
constexpr int32_t kEos = 1;

class TableModel : public DecoderModel {
 public:
  using Sentence = std::vector<int32_t>;
  using Distribution = std::vector<std::pair<int32_t, double>>;

  explicit TableModel(int64_t vocab) : vocab_(vocab) {}

  void set(const Sentence& source, const Sentence& prefix, const Distribution& probs) {
    table_[{source, prefix}] = probs;
  }
  void set_fallback(const Distribution& probs) { fallback_ = probs; }
  void use_random(uint64_t seed) { random_seed_ = seed; }

  struct State : DecoderState {
    std::vector<Sentence> row_source;
    std::vector<Sentence> row_prefix;
    int64_t source_columns = 0;
    bool started = false;

    void reorder(const std::vector<int32_t>& rows) override {
      std::vector<Sentence> sources, prefixes;
      for (int32_t r : rows) {
        ATTN_CHECK(r >= 0 && r < static_cast<int32_t>(row_prefix.size()),
                   "TableModel: reorder row {} out of range", r);
        sources.push_back(row_source[r]);
        prefixes.push_back(row_prefix[r]);
      }
      row_source = std::move(sources);
      row_prefix = std::move(prefixes);
    }
  };

  std::unique_ptr<DecoderState> encode(const std::vector<Sentence>& sources) override {
    auto state = std::make_unique<State>();
    state->row_source = sources;
    state->row_prefix.assign(sources.size(), {});
    for (const Sentence& s : sources) {
      state->source_columns = std::max<int64_t>(state->source_columns, s.size() + 1);
    }
    return state;
  }

  Tensor step(DecoderState& base, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override {
    auto& state = static_cast<State&>(base);
    const auto rows = static_cast<int64_t>(state.row_prefix.size());
    ATTN_CHECK(static_cast<int64_t>(prev_tokens.size()) == rows,
               "TableModel: {} tokens for {} rows", prev_tokens.size(), rows);
    step_tokens.push_back(prev_tokens);
    for (int64_t r = 0; r < rows; ++r) {
      if (state.started) {
        state.row_prefix[r].push_back(prev_tokens[r]);
      } else {
        ATTN_CHECK(prev_tokens[r] == kBos, "TableModel: first step must feed BOS");
      }
    }
    state.started = true;
    Tensor log_probs = Tensor::full({rows, vocab_}, -INFINITY);
    for (int64_t r = 0; r < rows; ++r) {
      if (random_seed_ != 0) {
        random_log_probs(state.row_source[r], state.row_prefix[r], &log_probs[r * vocab_]);
        continue;
      }
      auto it = table_.find({state.row_source[r], state.row_prefix[r]});
      const Distribution& probs =
          it != table_.end() ? it->second : (fallback_.empty() ? kEnd : fallback_);
      for (const auto& [token, p] : probs) log_probs[r * vocab_ + token] = std::log(p);
    }
    if (attention != nullptr) {
      *attention = Tensor::zeros({rows, state.source_columns});
      for (int64_t r = 0; r < rows; ++r) {
        const auto len = static_cast<int64_t>(state.row_source[r].size());
        if (len == 0) continue;
        const auto t = static_cast<int64_t>(state.row_prefix[r].size());
        for (int64_t j = 0; j <= len; ++j) {
          (*attention)[r * state.source_columns + j] = j == len - 1 - t % len ? 0.7f : 0.1f;
        }
      }
    }
    return log_probs;
  }

  void reorder(DecoderState& state, const std::vector<int32_t>& rows) override {
    reorders.push_back(rows);
    state.reorder(rows);
  }

  int32_t bos_id() const override { return kBos; }
  int32_t eos_id() const override { return kEos; }
  int32_t unk_id() const override { return unk; }
  int32_t unk = -1;  // the unknown word BeamOptions::forbid_unk keeps out; none by default
  int64_t vocab_size() const override { return vocab_; }

  std::vector<std::vector<int32_t>> reorders;     // every reorder() call's rows
  std::vector<std::vector<int32_t>> step_tokens;  // every step()'s prev_tokens

 private:
  inline static const Distribution kEnd = {{kEos, 1.0}};
  void random_log_probs(const Sentence& source, const Sentence& prefix, float* out) const {
    uint64_t key = random_seed_;
    for (int32_t id : source) key = key * 1000003u + static_cast<uint64_t>(id) + 1;
    key = key * 7919u + 17;
    for (int32_t id : prefix) key = key * 1000003u + static_cast<uint64_t>(id) + 1;
    Rng rng(key);
    std::vector<double> logits(vocab_);
    for (int64_t v = 0; v < vocab_; ++v) logits[v] = 2.0 * rng.normal();
    logits[kEos] += 0.6 * static_cast<double>(prefix.size()) - 1.0;
    double total = 0;
    for (int64_t v = 1; v < vocab_; ++v) total += std::exp(logits[v]);
    out[kBos] = -INFINITY;
    for (int64_t v = 1; v < vocab_; ++v) out[v] = static_cast<float>(logits[v] - std::log(total));
  }

  int64_t vocab_;
  uint64_t random_seed_ = 0;
  std::map<std::pair<Sentence, Sentence>, Distribution> table_;
  Distribution fallback_;
};

}  // namespace attn
