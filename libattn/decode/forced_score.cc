#include "libattn/decode/forced_score.h"

#include "libattn/core/error.h"

namespace attn {

std::vector<double> forced_scores(DecoderModel& model,
                                  const std::vector<std::vector<int32_t>>& sources,
                                  const std::vector<std::vector<int32_t>>& targets) {
  ATTN_CHECK(sources.size() == targets.size(), "forced_scores: {} sources, {} targets",
             sources.size(), targets.size());
  const auto pairs = static_cast<int64_t>(sources.size());
  std::vector<double> scores(pairs, 0.0);
  if (pairs == 0) return scores;
  std::unique_ptr<DecoderState> state = model.encode(sources);
  const int64_t vocab = model.vocab_size();
  std::vector<int64_t> row_pair(pairs);
  for (int64_t i = 0; i < pairs; ++i) row_pair[i] = i;
  std::vector<int32_t> prev_tokens(pairs, model.bos_id());
  for (size_t t = 0; !row_pair.empty(); ++t) {
    const Tensor log_probs = model.step(*state, prev_tokens, nullptr).contiguous();
    std::vector<int32_t> kept_rows, next_tokens;
    std::vector<int64_t> kept_pairs;
    for (size_t r = 0; r < row_pair.size(); ++r) {
      const std::vector<int32_t>& target = targets[row_pair[r]];
      const int32_t token = t < target.size() ? target[t] : model.eos_id();
      ATTN_CHECK(token >= 0 && token < vocab, "forced_scores: token {} outside [0, {})", token,
                 vocab);
      scores[row_pair[r]] += log_probs.data()[r * vocab + token];
      if (t >= target.size()) continue;  // its EOS is scored: this pair is done
      kept_rows.push_back(static_cast<int32_t>(r));
      kept_pairs.push_back(row_pair[r]);
      next_tokens.push_back(token);
    }
    if (kept_rows.empty()) break;
    if (kept_rows.size() != row_pair.size()) model.reorder(*state, kept_rows);
    row_pair = std::move(kept_pairs);
    prev_tokens = std::move(next_tokens);
  }
  return scores;
}

}  // namespace attn
