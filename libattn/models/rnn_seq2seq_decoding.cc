// RNN seq2seq incremental decoding: the DecoderModel half of RnnSeq2Seq. encode() runs the
// encoder once and keeps its memory, the scorer's keys and the bridge's initial state; each
// step() is one decode_step(), the function teacher-forced training runs, on one token a
// row. The recurrent state is all the prefix leaves behind, so nothing is recomputed.
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/rnn_seq2seq.h"

namespace attn {

using RnnDecoderState = RowState<RnnEncoding, RnnRecurrence>;

void RnnEncoding::reorder(const std::vector<int32_t>& rows) {
  reorder_memory_and_keys(rows, memory, keys);
  reorder_rows(rows, source, summary);
}

void RnnRecurrence::reorder(const std::vector<int32_t>& rows) {
  reorder_rows(rows, layers, attentional, scope);
}

std::unique_ptr<DecoderState> RnnSeq2Seq::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const ForwardMode inference;
  RnnEncoding encoding = encode_source(pad_sources(sources), inference);
  RnnRecurrence recurrence = initial_recurrence(encoding);
  encoding.summary = Var();  // decoding reads no summary: the bridge has used it
  keep_on_heap(recurrence.layers, recurrence.attentional, encoding.source.additive);
  memory_and_keys_on_heap(encoding.memory, encoding.keys);
  return make_row_state(std::move(encoding), std::move(recurrence), sources.size());
}

Tensor RnnSeq2Seq::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                        Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<RnnDecoderState&>(base_state);
  const Tensor tokens = token_column(prev_tokens, state.encoding.memory.dim(0), "RnnSeq2Seq");
  const RnnStepOutput out = decode_step(tokens, state.encoding, state.recurrence, ForwardMode{});
  keep_on_heap(state.recurrence.layers, state.recurrence.attentional);
  if (attention) *attention = out.weights.value().clone_heap();
  return log_softmax(out.logits).value();
}

}  // namespace attn
