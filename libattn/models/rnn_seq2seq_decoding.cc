// RNN seq2seq incremental decoding: the DecoderModel half of RnnSeq2Seq. encode() runs the
// encoder once and keeps its memory, the scorer's keys and the bridge's initial state; each
// step() is one decode_step(), the function teacher-forced training runs, on one token a
// row. The recurrent state is all the prefix leaves behind, so nothing is recomputed.
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/decode/row_sentences.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/rnn_seq2seq.h"

namespace attn {

namespace {

struct RnnDecoderState : DecoderState {
  RnnEncoding encoding;
  RnnRecurrence recurrence;
  RowSentences rows;  // the encoding follows it
};

// Decoder state outlives any training arena: keep it on the heap.
Var on_heap(const Var& x) {
  if (!x.defined() || x.value().on_heap()) return x;
  return Var(x.value().clone_heap());
}

Var gather(const Var& x, const std::vector<int32_t>& rows) {
  return x.defined() ? Var(x.value().gather_rows(rows)) : x;
}

void keep_on_heap(RnnRecurrence& recurrence) {
  for (auto& layer : recurrence.layers) {
    layer.h = on_heap(layer.h);
    layer.c = on_heap(layer.c);
  }
  recurrence.attentional = on_heap(recurrence.attentional);
}

}  // namespace

std::unique_ptr<DecoderState> RnnSeq2Seq::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const ForwardMode inference;
  auto state = std::make_unique<RnnDecoderState>();
  RnnEncoding encoding = encode_source(pad_sources(sources), inference);
  state->recurrence = initial_recurrence(encoding);
  keep_on_heap(state->recurrence);
  // Dot-style scorers use the memory itself as keys: one copy serves both.
  state->encoding.memory = on_heap(encoding.memory);
  state->encoding.keys =
      encoding.keys.same(encoding.memory) ? state->encoding.memory : on_heap(encoding.keys);
  state->encoding.source = {encoding.source.additive.clone_heap(), encoding.source.lengths};
  state->rows = RowSentences::identity(static_cast<int64_t>(sources.size()));
  return state;
}

Tensor RnnSeq2Seq::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                        Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<RnnDecoderState&>(base_state);
  const int64_t rows = static_cast<int64_t>(prev_tokens.size());
  ATTN_CHECK(rows == state.encoding.memory.dim(0), "RnnSeq2Seq::step: {} tokens for {} rows", rows,
             state.encoding.memory.dim(0));
  const RnnStepOutput out = decode_step(Tensor::from_ints({rows, 1}, prev_tokens), state.encoding,
                                        state.recurrence, ForwardMode{});
  keep_on_heap(state.recurrence);
  if (attention) *attention = out.weights.value().clone_heap();
  return log_softmax(out.logits).value();
}

void RnnSeq2Seq::reorder(DecoderState& base_state, const std::vector<int32_t>& rows) {
  auto& state = static_cast<RnnDecoderState&>(base_state);
  RnnEncoding& encoding = state.encoding;
  // Beams trading places within their sentences leave the encoder memory as it is.
  if (state.rows.reorder(rows)) {
    const bool shared_keys = encoding.keys.same(encoding.memory);
    encoding.memory = gather(encoding.memory, rows);
    encoding.keys = shared_keys ? encoding.memory : gather(encoding.keys, rows);
    encoding.source = encoding.source.gather_rows(rows);
  }
  RnnRecurrence& recurrence = state.recurrence;
  for (auto& layer : recurrence.layers) layer = layer.gather_rows(rows);
  recurrence.attentional = gather(recurrence.attentional, rows);
  recurrence.scope = recurrence.scope.gather_rows(rows);
}

}  // namespace attn
