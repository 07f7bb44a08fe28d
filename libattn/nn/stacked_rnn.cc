#include "libattn/nn/stacked_rnn.h"

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

// Which rows are still inside their sentence at each position, as the two constant
// factors of masked_update; `full[t]` marks positions every row reaches (no blend needed).
struct PaddingColumns {
  std::vector<Var> keep, keep_complement;  // [B, 1] each
  std::vector<bool> full;
};

PaddingColumns padding_columns(const std::vector<int32_t>& lengths, int64_t steps) {
  const int64_t batch = static_cast<int64_t>(lengths.size());
  PaddingColumns columns;
  for (int64_t t = 0; t < steps; ++t) {
    Tensor keep = Tensor::empty({batch, 1}), complement = Tensor::empty({batch, 1});
    bool full = true;
    for (int64_t b = 0; b < batch; ++b) {
      const bool real = t < lengths[b];
      keep[b] = real ? 1.0f : 0.0f;
      complement[b] = real ? 0.0f : 1.0f;
      full = full && real;
    }
    columns.keep.emplace_back(keep);
    columns.keep_complement.emplace_back(complement);
    columns.full.push_back(full);
  }
  return columns;
}

// One direction of one layer over the whole sequence.
Var run_direction(const RecurrentCell& cell, const Var& x, const PaddingColumns& padding,
                  bool reverse, RecurrentState& state) {
  const int64_t batch = x.dim(0), steps = x.dim(1);
  const Var projected = cell.project_input(x);  // [B, S, G]: one GEMM for all steps
  const int64_t gates = projected.dim(2);
  const std::vector<Var> columns = split(projected, 1, std::vector<int64_t>(steps, 1));
  std::vector<Var> outputs(steps);
  state = cell.zero_state(batch);
  for (int64_t k = 0; k < steps; ++k) {
    const int64_t t = reverse ? steps - 1 - k : k;
    RecurrentState next = cell.step(reshape(columns[t], {batch, gates}), state);
    if (!padding.full[t])
      next = masked_update(next, state, padding.keep[t], padding.keep_complement[t]);
    state = next;
    outputs[t] = state.h;
  }
  return stack(outputs, 1);  // [B, S, H]
}

}  // namespace

StackedRnn::StackedRnn(CellType type, int64_t input_size, int64_t hidden_size, int64_t layers,
                       bool bidirectional, Rng& rng) {
  ATTN_CHECK(layers >= 1, "StackedRnn: needs at least one layer, got {}", layers);
  const int64_t directions = bidirectional ? 2 : 1;
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t in = l == 0 ? input_size : directions * hidden_size;
    forward_cells.emplace_back(type, in, hidden_size, rng);
    if (bidirectional) reverse_cells.emplace_back(type, in, hidden_size, rng);
  }
}

int64_t StackedRnn::output_size() const {
  return (bidirectional() ? 2 : 1) * forward_cells.front().hidden_size();
}

StackedRnnOutput StackedRnn::forward(const Var& x, const std::vector<int32_t>& lengths,
                                     float dropout_p, const ForwardMode& mode) const {
  ATTN_CHECK(x.rank() == 3 && static_cast<int64_t>(lengths.size()) == x.dim(0),
             "StackedRnn: input {} with {} lengths (expected [B, S, in] and B lengths)",
             shape_str(x.shape()), lengths.size());
  const PaddingColumns padding = padding_columns(lengths, x.dim(1));
  StackedRnnOutput out;
  Var layer_input = x;
  for (size_t l = 0; l < forward_cells.size(); ++l) {
    if (l > 0 && mode.training && dropout_p > 0)
      layer_input = dropout(layer_input, dropout_p, *mode.rng, true);
    RecurrentState forward_final, reverse_final;
    Var outputs = run_direction(forward_cells[l], layer_input, padding, false, forward_final);
    out.final_states.push_back(forward_final);
    if (bidirectional()) {
      Var reverse = run_direction(reverse_cells[l], layer_input, padding, true, reverse_final);
      out.final_states.push_back(reverse_final);
      outputs = concat({outputs, reverse}, -1);
    }
    layer_input = outputs;
  }
  out.outputs = layer_input;
  return out;
}

void StackedRnn::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  for (size_t l = 0; l < forward_cells.size(); ++l) {
    const std::string suffix = "_l" + std::to_string(l);
    forward_cells[l].collect_parameters(prefix, suffix, out);
    if (bidirectional()) reverse_cells[l].collect_parameters(prefix, suffix + "_reverse", out);
  }
}

}  // namespace attn
