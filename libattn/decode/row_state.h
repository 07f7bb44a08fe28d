// The per-row state of a decoding batch, written once for every model: a decoder state is
// "what encode() computed for each sentence" plus "what each row carries from step to step".
//
//   using RnnDecoderState = RowState<RnnEncoding, RnnRecurrence>;
//   state.reorder(rows);  // encoding gathered only when the row layout changes, recurrence always
//
// Encoding and Recurrence are the model's own structs, each with
// `void reorder(const std::vector<int32_t>& rows)` (in place; new row i is old row rows[i]),
// usually one reorder_rows(rows, field, field, ...) call. The encoding (encoder memory, keys,
// masks, lengths) is the same for every beam of a sentence, so RowSentences decides when it
// must be copied: beams trading places within their sentence - the common reorder - copy
// only the recurrence. NoRows stands for a half a model does not have.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "libattn/autograd/variable.h"
#include "libattn/decode/decoder_model.h"
#include "libattn/decode/row_sentences.h"
#include "libattn/nn/recurrent_cell.h"

namespace attn {

template <typename Encoding, typename Recurrence>
struct RowState : DecoderState {
  Encoding encoding;      // per sentence: what encode() computed
  Recurrence recurrence;  // per row: what each hypothesis carries from step to step
  RowSentences rows;      // which sentence each row decodes; `encoding` follows it

  RowState(Encoding encoding_, Recurrence recurrence_, int64_t sentences)
      : encoding(std::move(encoding_)),
        recurrence(std::move(recurrence_)),
        rows(RowSentences::identity(sentences)) {}

  void reorder(const std::vector<int32_t>& new_rows) override {
    if (rows.reorder(new_rows)) encoding.reorder(new_rows);
    recurrence.reorder(new_rows);
  }
};

// What encode() returns: one row a sentence.
template <typename Encoding, typename Recurrence>
std::unique_ptr<DecoderState> make_row_state(Encoding encoding, Recurrence recurrence,
                                             std::size_t sentences) {
  return std::make_unique<RowState<Encoding, Recurrence>>(
      std::move(encoding), std::move(recurrence), static_cast<int64_t>(sentences));
}

// A model without a per-sentence encoding (or without a recurrence) has nothing to reorder.
struct NoRows {
  void reorder(const std::vector<int32_t>&) {}
};

// Each part keeps rows `rows` in place, values only (no gradient): a Var or Tensor (undefined
// stays undefined), a RecurrentState, per-row numbers, anything with its own in-place
// `reorder` (the attention caches, a model's structs) or a `gather_rows` copy (masks, scope
// state), and a vector of any of these (one a layer).
void reorder_rows(const std::vector<int32_t>& rows, Var& x);
void reorder_rows(const std::vector<int32_t>& rows, Tensor& x);
void reorder_rows(const std::vector<int32_t>& rows, RecurrentState& x);
void reorder_rows(const std::vector<int32_t>& rows, std::vector<int32_t>& per_row);

template <typename T>
auto reorder_rows(const std::vector<int32_t>& rows, T& x) -> decltype(x.reorder(rows)) {
  x.reorder(rows);
}

template <typename T>
auto reorder_rows(const std::vector<int32_t>& rows, T& x) -> decltype(void(x.gather_rows(rows))) {
  x = x.gather_rows(rows);
}

template <typename T>
void reorder_rows(const std::vector<int32_t>& rows, std::vector<T>& parts) {
  for (T& part : parts) reorder_rows(rows, part);
}

template <typename A, typename B, typename... Rest>
void reorder_rows(const std::vector<int32_t>& rows, A& a, B& b, Rest&... rest) {
  reorder_rows(rows, a);
  reorder_rows(rows, b, rest...);
}

// Decoder state outlives any training arena: each part's value not already on the heap is
// copied there (a Var, Tensor or RecurrentState, or a vector of them).
void keep_on_heap(Var& x);
void keep_on_heap(Tensor& x);
void keep_on_heap(RecurrentState& x);

template <typename T>
void keep_on_heap(std::vector<T>& parts) {
  for (T& part : parts) keep_on_heap(part);
}

template <typename A, typename B, typename... Rest>
void keep_on_heap(A& a, B& b, Rest&... rest) {
  keep_on_heap(a);
  keep_on_heap(b, rest...);
}

// A step's input: prev_tokens as int32 [rows, 1]. A count other than the state's rows is a
// search bug, reported with the model's name.
Tensor token_column(const std::vector<int32_t>& prev_tokens, int64_t state_rows,
                    const char* model);

// Encoder memory and the scorer's keys, which dot-style scorers share (keys is memory): one
// copy serves both, on the heap and after a reorder.
void memory_and_keys_on_heap(Var& memory, Var& keys);
void reorder_memory_and_keys(const std::vector<int32_t>& rows, Var& memory, Var& keys);

}  // namespace attn
