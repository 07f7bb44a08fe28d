// SNAIL incremental decoding: the DecoderModel half of SnailModel. encode() runs every block
// over the left-padded sources once; each step() computes one new column: a dense block
// reads its input at t - d from the kept features and at t, an attention block appends one
// key and value and attends over all of them. step() reports no attention (its weights
// cover the whole sequence, not the source alone).
#include <algorithm>
#include <cmath>
#include <limits>

#include "libattn/autograd/conv1d.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/snail.h"

namespace attn {

namespace {

// Every position so far, source and target alike, per row: there is no per-sentence
// encoding to keep apart.
struct SnailRecurrence {
  Tensor features;                   // [rows, L, C]
  Tensor keep;                       // [rows, L]: 0 on left padding
  std::vector<Tensor> keys, values;  // per attention block [rows, L, k] / [rows, L, v]

  void reorder(const std::vector<int32_t>& rows) {
    reorder_rows(rows, features, keep, keys, values);
  }
};

using SnailDecoderState = RowState<NoRows, SnailRecurrence>;

Tensor heap(const Var& x) { return x.value().contiguous().clone_heap(); }

}  // namespace

std::unique_ptr<DecoderState> SnailModel::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const LeftPadded padded = left_pad(pad_sources(sources), 0);
  const Tensor& keep = padded.keep;
  const int64_t batch = keep.dim(0), length = keep.dim(1);
  SnailRecurrence state;
  std::vector<Var> keys, values;
  const Var x = mul(embedding(src_embedding_, padded.sources), Var(keep));
  state.features = heap(features(x, keep, padded.mask, &keys, &values, nullptr));
  state.keep = keep.view({batch, length}).clone_heap();
  for (const Var& k : keys) state.keys.push_back(heap(k));
  for (const Var& v : values) state.values.push_back(heap(v));
  return make_row_state(NoRows{}, std::move(state), sources.size());
}

Tensor SnailModel::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                        Tensor* attention) {
  NoGrad no_grad;
  SnailRecurrence& state = static_cast<SnailDecoderState&>(base_state).recurrence;
  const Tensor tokens = token_column(prev_tokens, state.features.dim(0), "SnailModel");
  const int64_t rows = tokens.dim(0);
  const int64_t t = state.features.dim(1);  // the new position
  const Tensor keep = Tensor::from({rows, 1, 1}, std::vector<float>(rows, 1.0f));
  state.keep =
      concat({Var(state.keep), Var(Tensor::full({rows, 1}, 1.0f))}, 1).value().clone_heap();
  // Left padding is never attended to; everything else up to t is.
  Tensor mask = Tensor::zeros({rows, 1, t + 1});
  for (int64_t i = 0; i < rows * (t + 1); ++i)
    if (state.keep[i] == 0.0f) mask[i] = -std::numeric_limits<float>::infinity();
  const float inverse_sqrt_k = 1.0f / std::sqrt(static_cast<float>(config_.key_size));
  Var h = embedding(tgt_embedding_, tokens);  // [rows, 1, E]
  size_t attention_index = 0;
  for (const SnailUnit& unit : units_) {
    Var added;
    if (unit.attention) {
      const Var q = unit.query.forward(h);
      Tensor& keys = state.keys[attention_index];
      Tensor& values = state.values[attention_index];
      keys = concat({Var(keys), unit.key.forward(h)}, 1).value().clone_heap();
      values = concat({Var(values), unit.value.forward(h)}, 1).value().clone_heap();
      const Var a =
          masked_softmax(scale(batched_matmul(q, Var(keys), false, true), inverse_sqrt_k), mask);
      added = batched_matmul(a, Var(values));
      ++attention_index;
    } else {
      // The two taps of a kernel-2 convolution with dilation d: x_{t-d} (zeros before the
      // start) and x_t, as a two-position sequence with dilation 1.
      const Var past = t >= unit.dilation
                           ? Var(state.features.slice(1, t - unit.dilation, t - unit.dilation + 1)
                                     .slice(2, 0, unit.in_channels))
                           : Var(Tensor::zeros({rows, 1, unit.in_channels}));
      const int64_t f = unit.conv_bias.dim(0) / 2;
      const Var out =
          slice(causal_conv1d(concat({past, h}, 1), unit.conv_weight, unit.conv_bias, 1), 1, 1, 2);
      const std::vector<Var> halves = split(out, -1, {f, f});
      added = mul(tanh(halves[0]), sigmoid(halves[1]));
    }
    h = mul(concat({h, added}, -1), Var(keep));
  }
  state.features = concat({Var(state.features), h}, 1).value().clone_heap();
  if (attention) *attention = Tensor();
  return log_softmax(reshape(output_projection_.forward(h), {rows, config_.tgt_vocab})).value();
}

}  // namespace attn
