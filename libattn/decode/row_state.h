// The per-row state of a decoding batch, written once for every model whose decoder state is
// "what encode() computed for each sentence" plus "what each row carries from step to step".
//
//   using RnnDecoderState = RowState<RnnEncoding, RnnRecurrence>;
//   state.reorder(rows);  // encoding gathered only when the row layout changes, recurrence always
//
// Encoding and Recurrence are the model's own structs, each with
// `T gather_rows(const std::vector<int32_t>& rows) const` (new row i is old row rows[i]).
// The encoding (encoder memory, keys, masks, lengths) is the same for every beam of a
// sentence, so RowSentences decides when it must be copied: beams trading places within
// their sentence - the common reorder - copy only the recurrence.
#pragma once

#include <cstdint>
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

  void reorder(const std::vector<int32_t>& new_rows) {
    if (rows.reorder(new_rows)) encoding = encoding.gather_rows(new_rows);
    recurrence = recurrence.gather_rows(new_rows);
  }
};

// Decoder state outlives any training arena: a value not already on the heap is copied there.
Var on_heap(const Var& x);
RecurrentState on_heap(const RecurrentState& x);

// Rows `rows` of x's value, without gradient; an undefined x (an unused field) stays undefined.
Var gather_rows(const Var& x, const std::vector<int32_t>& rows);

// A step's input: prev_tokens as int32 [rows, 1]. A count other than the state's rows is a
// search bug, reported with the model's name.
Tensor token_column(const std::vector<int32_t>& prev_tokens, int64_t state_rows,
                    const char* model);

// Encoder memory and the scorer's keys, which dot-style scorers share (keys is memory): one
// copy serves both, on the heap and after a gather.
void memory_and_keys_on_heap(Var& memory, Var& keys);
void gather_memory_and_keys(Var& memory, Var& keys, const std::vector<int32_t>& rows);

}  // namespace attn
