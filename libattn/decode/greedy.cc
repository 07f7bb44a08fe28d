#include "libattn/decode/greedy.h"

#include "libattn/core/error.h"

namespace attn {

std::vector<NBest> greedy_search(DecoderModel& model,
                                 const std::vector<std::vector<int32_t>>& sources,
                                 const BeamOptions& options) {
  const auto sentences = static_cast<int64_t>(sources.size());
  std::vector<NBest> results(sentences, NBest(1));
  if (sentences == 0) return results;

  std::vector<int64_t> limits(sentences);
  for (int64_t s = 0; s < sentences; ++s) {
    limits[s] = max_output_length(options, static_cast<int64_t>(sources[s].size()));
  }
  std::unique_ptr<DecoderState> state = model.encode(sources);
  const int32_t eos = model.eos_id();
  const int64_t vocab = model.vocab_size();

  std::vector<int64_t> row_sentence(sentences);  // the sentence each live row decodes
  for (int64_t s = 0; s < sentences; ++s) row_sentence[s] = s;
  std::vector<int32_t> prev_tokens(sentences, model.bos_id());

  while (!row_sentence.empty()) {
    const auto rows = static_cast<int64_t>(row_sentence.size());
    Tensor attention;
    Tensor log_probs =
        model.step(*state, prev_tokens, options.return_alignment ? &attention : nullptr)
            .contiguous();
    ATTN_CHECK(log_probs.rank() == 2 && log_probs.dim(0) == rows && log_probs.dim(1) == vocab,
               "greedy_search: step returned {}, expected [{}, {}]", shape_str(log_probs.shape()),
               rows, vocab);
    forbid_unemittable(log_probs, model.bos_id(), model.pad_id(),
                       options.forbid_unk ? model.unk_id() : -1);

    std::vector<int32_t> kept_rows;
    std::vector<int64_t> kept_sentences;
    std::vector<int32_t> next_tokens;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t s = row_sentence[r];
      Hypothesis& hyp = results[s][0];
      const float* row = log_probs.data() + r * vocab;
      int32_t token = eos;
      if (static_cast<int64_t>(hyp.tokens.size()) < limits[s]) {
        token = 0;
        for (int32_t v = 1; v < vocab; ++v) {
          if (row[v] > row[token]) token = v;
        }
      }
      hyp.score += row[token];
      if (token == eos) {
        hyp.normalized_score = normalized_score(hyp.score, static_cast<int64_t>(hyp.tokens.size()),
                                                options.length_penalty, options.word_penalty);
        continue;
      }
      hyp.tokens.push_back(token);
      if (attention.defined()) {
        hyp.attention.push_back(
            source_attention_row(attention, r, static_cast<int64_t>(sources[s].size())));
      }
      if (options.stop_at_limit && static_cast<int64_t>(hyp.tokens.size()) >= limits[s]) {
        // Ends as it is, without the step that would force EOS (BeamOptions::stop_at_limit).
        hyp.normalized_score = normalized_score(hyp.score, static_cast<int64_t>(hyp.tokens.size()),
                                                options.length_penalty, options.word_penalty);
        continue;
      }
      kept_rows.push_back(static_cast<int32_t>(r));
      kept_sentences.push_back(s);
      next_tokens.push_back(token);
    }
    if (kept_rows.empty()) break;
    if (static_cast<int64_t>(kept_rows.size()) != rows) model.reorder(*state, kept_rows);
    row_sentence = std::move(kept_sentences);
    prev_tokens = std::move(next_tokens);
  }
  return results;
}

}  // namespace attn
