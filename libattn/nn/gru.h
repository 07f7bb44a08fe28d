// GRU cell (Cho et al. 2014) with PyTorch's gate order and parameter names, so exported
// weights load into torch.nn.GRU / GRUCell unchanged:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)        reset gate
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)        update gate
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 - z) ⊙ n + z ⊙ h
//
//   GruCell cell(input_size, hidden_size, rng);
//   Var h1 = cell.forward(x, h0);                 // x [B, in], h0 [B, H] -> [B, H]
//   Var gx = cell.project_input(xs);              // [B, S, in] -> [B, S, 3H], once per sequence
//   Var h2 = cell.step(gx_t, h1);                 // gx_t [B, 3H]: one row of gx
#pragma once

#include "libattn/nn/parameters.h"

namespace attn {

struct GruCell {
  Var weight_ih;  // [3H, in], rows r | z | n
  Var weight_hh;  // [3H, H]
  Var bias_ih;    // [3H]
  Var bias_hh;    // [3H]

  GruCell() = default;
  GruCell(int64_t input_size, int64_t hidden_size, Rng& rng);

  int64_t hidden_size() const { return weight_hh.dim(1); }
  // x W_ihᵀ + b_ih: the part of the gates that does not depend on h, so a whole sequence's
  // input projection is one GEMM instead of one per step.
  Var project_input(const Var& x) const;                     // [..., in] -> [..., 3H]
  Var step(const Var& projected_input, const Var& h) const;  // [B, 3H], [B, H] -> [B, H]
  Var forward(const Var& x, const Var& h) const { return step(project_input(x), h); }

  // Names as torch.nn.GRU: weight_ih_l0, ... with suffix "_l0" or "_l0_reverse".
  void collect_parameters(const std::string& prefix, const std::string& suffix,
                          NamedParameters& out) const;
};

}  // namespace attn
