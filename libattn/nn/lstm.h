// LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000) in
// PyTorch's gate order and parameter names, so exported weights load into torch.nn.LSTM:
//   [i, f, g, o] = split(W_ih x + b_ih + W_hh h + b_hh)
//   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
//   h' = σ(o) ⊙ tanh(c')
//
//   LstmCell cell(input_size, hidden_size, rng);
//   LstmState s1 = cell.forward(x, s0);           // x [B, in], s0.h and s0.c [B, H]
//   Var gx = cell.project_input(xs);              // [B, S, in] -> [B, S, 4H], once per sequence
//   LstmState s2 = cell.step(gx_t, s1);           // gx_t [B, 4H]: one row of gx
#pragma once

#include "libattn/nn/parameters.h"

namespace attn {

struct LstmState {
  Var h;  // [B, H], the output
  Var c;  // [B, H], the memory cell
};

struct LstmCell {
  Var weight_ih;  // [4H, in], rows i | f | g | o
  Var weight_hh;  // [4H, H]
  Var bias_ih;    // [4H]
  Var bias_hh;    // [4H]

  LstmCell() = default;
  LstmCell(int64_t input_size, int64_t hidden_size, Rng& rng);

  int64_t hidden_size() const { return weight_hh.dim(1); }
  // x W_ihᵀ + b_ih, the h-independent part of the gates: one GEMM for a whole sequence.
  Var project_input(const Var& x) const;  // [..., in] -> [..., 4H]
  LstmState step(const Var& projected_input, const LstmState& state) const;  // [B, 4H]
  LstmState forward(const Var& x, const LstmState& state) const {
    return step(project_input(x), state);
  }

  // Names as torch.nn.LSTM: weight_ih_l0, ... with suffix "_l0" or "_l0_reverse".
  void collect_parameters(const std::string& prefix, const std::string& suffix,
                          NamedParameters& out) const;
};

}  // namespace attn
