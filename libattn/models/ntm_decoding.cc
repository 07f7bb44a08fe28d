// NTM incremental decoding: the DecoderModel half of NtmSeq2Seq. encode() runs the input
// phase once; each step() is one decode_step(), the function teacher-forced training runs.
// The machine's state (controller, memory, weightings, reads) is all the prefix leaves
// behind, so nothing is recomputed and reorder() copies rows.
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/ntm.h"

namespace attn {

// The machine's state is all per row: there is no per-sentence encoding to keep.
using NtmDecoderState = RowState<NoRows, NtmRecurrence>;

void NtmRecurrence::reorder(const std::vector<int32_t>& rows) {
  reorder_rows(rows, controller, memory, read_weights, write_weights, reads);
}

namespace {

void recurrence_on_heap(NtmRecurrence& r) {
  keep_on_heap(r.controller, r.memory, r.read_weights, r.write_weights, r.reads);
}

}  // namespace

std::unique_ptr<DecoderState> NtmSeq2Seq::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const Tensor src = pad_sources(sources);
  NtmRecurrence recurrence = initial_recurrence(src.dim(0));
  read_source(src, recurrence);
  recurrence_on_heap(recurrence);
  return make_row_state(NoRows{}, std::move(recurrence), sources.size());
}

Tensor NtmSeq2Seq::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                        Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<NtmDecoderState&>(base_state);
  const Tensor tokens = token_column(prev_tokens, state.recurrence.memory.dim(0), "NtmSeq2Seq");
  const Var logits = decode_step(tokens, state.recurrence);
  recurrence_on_heap(state.recurrence);
  if (attention) *attention = state.recurrence.read_weights[0].value().clone_heap();
  return log_softmax(logits).value();
}

}  // namespace attn
