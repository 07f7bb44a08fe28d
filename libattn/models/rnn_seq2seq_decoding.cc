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

namespace {

using RnnDecoderState = RowState<RnnEncoding, RnnRecurrence>;

void keep_on_heap(RnnRecurrence& recurrence) {
  for (auto& layer : recurrence.layers) layer = on_heap(layer);
  recurrence.attentional = on_heap(recurrence.attentional);
}

}  // namespace

RnnEncoding RnnEncoding::gather_rows(const std::vector<int32_t>& rows) const {
  RnnEncoding out{memory, keys, source.gather_rows(rows), attn::gather_rows(summary, rows)};
  gather_memory_and_keys(out.memory, out.keys, rows);
  return out;
}

RnnRecurrence RnnRecurrence::gather_rows(const std::vector<int32_t>& rows) const {
  RnnRecurrence out;
  for (const auto& layer : layers) out.layers.push_back(layer.gather_rows(rows));
  out.attentional = attn::gather_rows(attentional, rows);
  out.scope = scope.gather_rows(rows);
  return out;
}

std::unique_ptr<DecoderState> RnnSeq2Seq::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const ForwardMode inference;
  const RnnEncoding encoding = encode_source(pad_sources(sources), inference);
  RnnRecurrence recurrence = initial_recurrence(encoding);
  keep_on_heap(recurrence);
  // Decoding reads no summary: the bridge has used it.
  RnnEncoding kept{encoding.memory, encoding.keys,
                   {encoding.source.additive.clone_heap(), encoding.source.lengths}, Var()};
  memory_and_keys_on_heap(kept.memory, kept.keys);
  return std::make_unique<RnnDecoderState>(std::move(kept), std::move(recurrence),
                                           static_cast<int64_t>(sources.size()));
}

Tensor RnnSeq2Seq::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                        Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<RnnDecoderState&>(base_state);
  const Tensor tokens = token_column(prev_tokens, state.encoding.memory.dim(0), "RnnSeq2Seq");
  const RnnStepOutput out = decode_step(tokens, state.encoding, state.recurrence, ForwardMode{});
  keep_on_heap(state.recurrence);
  if (attention) *attention = out.weights.value().clone_heap();
  return log_softmax(out.logits).value();
}

void RnnSeq2Seq::reorder(DecoderState& base_state, const std::vector<int32_t>& rows) {
  // Beams trading places within their sentences leave the encoder memory as it is.
  static_cast<RnnDecoderState&>(base_state).reorder(rows);
}

}  // namespace attn
