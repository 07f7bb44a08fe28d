// A stack of recurrent layers over a padded batch, optionally bidirectional: the encoder
// of Bahdanau et al. 2015 (§3.2) and the stacked encoders of Luong et al. 2015 / OpenNMT.
// Layer l+1 reads layer l's outputs (both directions concatenated), with dropout between
// layers (Zaremba et al. 2014: on the non-recurrent connections only).
//
//   StackedRnn rnn(CellType::kLstm, E, H, 2, true, rng);    // H per direction
//   StackedRnnOutput out = rnn.forward(x, lengths, 0.3f, mode);  // x [B, S, E]
//   // out.outputs [B, S, 2H]; out.final_states[l * 2 + d]: layer l, direction d (1 = reverse)
//
// Padded positions (t >= lengths[b]) leave the state unchanged, so the forward direction's
// final state is the state at the real last token, and the reverse direction starts there.
#pragma once

#include <vector>

#include "libattn/nn/recurrent_cell.h"

namespace attn {

struct StackedRnnOutput {
  Var outputs;                               // [B, S, directions * H]
  std::vector<RecurrentState> final_states;  // [layers * directions], PyTorch's h_n order
};

struct StackedRnn {
  std::vector<RecurrentCell> forward_cells;  // one per layer
  std::vector<RecurrentCell> reverse_cells;  // one per layer when bidirectional, else empty

  StackedRnn() = default;
  StackedRnn(CellType type, int64_t input_size, int64_t hidden_size, int64_t layers,
             bool bidirectional, Rng& rng);

  bool bidirectional() const { return !reverse_cells.empty(); }
  int64_t output_size() const;  // directions * H

  // x [B, S, in]; lengths[b] real tokens in row b (the rest is padding at the end).
  StackedRnnOutput forward(const Var& x, const std::vector<int32_t>& lengths, float dropout,
                           const ForwardMode& mode) const;

  // torch.nn.GRU / LSTM names: prefix.weight_ih_l0, prefix.weight_ih_l0_reverse, ...
  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

}  // namespace attn
