// The one interface decoding needs. Greedy and beam search are written once against it,
// for every model (Transformer, RNN seq2seq, pointer network, ...).
//
//   std::unique_ptr<DecoderState> state = model.encode({{5, 9, 7}, {4}});  // 2 rows
//   Tensor log_probs = model.step(*state, {model.bos_id(), model.bos_id()}, nullptr);  // [2, V]
//   model.reorder(*state, {0, 0, 1});      // 3 rows now: two copies of row 0, then row 1
//   log_probs = model.step(*state, {12, 40, 7}, nullptr);                   // [3, V]
//
// Rows are the unit of work: encode() makes one row per source sentence; reorder() keeps,
// repeats or drops rows, so beams' caches (KV caches, RNN states) follow their hypotheses
// and finished sentences stop costing compute. This and the state are the only virtual
// classes in attn: decoding must not know which model it drives.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

// Model-specific caches: encoder memory and its mask, per-layer KV caches, recurrent state,
// and for every row the source sentence it decodes. Every model's state is a RowState
// (row_state.h), which implements reorder() once.
struct DecoderState {
  virtual ~DecoderState() = default;
  // New row i is old row rows[i]; see DecoderModel::reorder.
  virtual void reorder(const std::vector<int32_t>& rows) = 0;
};

class DecoderModel {
 public:
  virtual ~DecoderModel() = default;

  // sources: token ids per sentence, without BOS/EOS (the model adds what it needs).
  // The returned state has one row per sentence, in order.
  virtual std::unique_ptr<DecoderState> encode(
      const std::vector<std::vector<int32_t>>& sources) = 0;

  // One decoding step for every current row. prev_tokens holds one id per row: bos_id()
  // on the first step, then the token chosen for that row on the previous step.
  // Returns log-probabilities [rows, V] (float32; a contiguous view is read).
  // When attention != nullptr the model may set it to this step's weights [rows, S]
  // (S = longest source of the batch, column j = source token j; columns past a row's
  // own source length, such as padding or an appended EOS, are ignored). A model without
  // attention leaves it undefined, and hypotheses then carry no alignment.
  virtual Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
                      Tensor* attention) = 0;

  // Keeps rows `rows` (indices into the current rows; may repeat or drop any): new row i
  // is old row rows[i]. Never called with the identity. The state knows how: a model that
  // wraps another (or records the calls) overrides this.
  virtual void reorder(DecoderState& state, const std::vector<int32_t>& rows) {
    state.reorder(rows);
  }

  virtual int32_t bos_id() const = 0;
  virtual int32_t eos_id() const = 0;
  // Padding: like BOS, a token the search never emits, whatever the model scores it.
  virtual int32_t pad_id() const { return 0; }
  // Unknown word: a token the search emits unless BeamOptions::forbid_unk (Marian's default
  // without --allow-unk). attn's vocabularies put it at 1.
  virtual int32_t unk_id() const { return 1; }
  virtual int64_t vocab_size() const = 0;
};

}  // namespace attn
