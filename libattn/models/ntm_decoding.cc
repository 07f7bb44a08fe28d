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

namespace {

struct NtmDecoderState : DecoderState {
  NtmRecurrence recurrence;
};

void keep_on_heap(NtmRecurrence& r) {
  r.controller = on_heap(r.controller);
  r.memory = on_heap(r.memory);
  for (Var& w : r.read_weights) w = on_heap(w);
  for (Var& w : r.write_weights) w = on_heap(w);
  r.reads = on_heap(r.reads);
}

}  // namespace

NtmRecurrence NtmRecurrence::gather_rows(const std::vector<int32_t>& rows) const {
  NtmRecurrence out;
  if (controller.h.defined()) out.controller = controller.gather_rows(rows);
  out.memory = attn::gather_rows(memory, rows);
  for (const Var& w : read_weights) out.read_weights.push_back(attn::gather_rows(w, rows));
  for (const Var& w : write_weights) out.write_weights.push_back(attn::gather_rows(w, rows));
  out.reads = attn::gather_rows(reads, rows);
  out.output_steps = output_steps;
  return out;
}

std::unique_ptr<DecoderState> NtmSeq2Seq::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const Tensor src = pad_sources(sources);
  const int64_t batch = src.dim(0);
  auto state = std::make_unique<NtmDecoderState>();
  state->recurrence = initial_recurrence(batch);
  read_source(src, state->recurrence);
  keep_on_heap(state->recurrence);
  return state;
}

Tensor NtmSeq2Seq::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                        Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<NtmDecoderState&>(base_state);
  const Tensor tokens = token_column(prev_tokens, state.recurrence.memory.dim(0), "NtmSeq2Seq");
  const Var logits = decode_step(tokens, state.recurrence);
  keep_on_heap(state.recurrence);
  if (attention) *attention = state.recurrence.read_weights[0].value().clone_heap();
  return log_softmax(logits).value();
}

void NtmSeq2Seq::reorder(DecoderState& base_state, const std::vector<int32_t>& rows) {
  auto& state = static_cast<NtmDecoderState&>(base_state);
  state.recurrence = state.recurrence.gather_rows(rows);
}

}  // namespace attn
