// Attention scopes: which source positions a decoder step may attend to, and how the
// scorer's scores become weights over them.
//
//   Scope scope(ScopeType::kLocalP, H, /*window=*/5, rng);
//   SourceMask source = SourceMask::from_lengths(lengths, S);
//   ScopeState state;                                         // one per decoded batch
//   Var weights = scope.weights(scores, query, source, state, mode);   // [B, S] -> [B, S]
//   // state now holds step t + 1 (and, for monotonic, this step's attended positions)
//
//   global     softmax over the whole source                          Luong et al. 2015, §3.1
//   local-m    softmax over [p_t - D, p_t + D], p_t = t               Luong et al. 2015, §3.2
//   local-p    same window around p_t = S_b · σ(v_pᵀ tanh(W_p s)), times
//              exp(-(j - p_t)² / 2σ²), σ = D/2; p_t is differentiable  Luong et al. 2015, eq. 9-10
//   hard       one position: straight-through Gumbel-softmax in training, argmax at inference
//   monotonic  softmax over positions at or after the previous step's argmax (forced forward)
//
// Hard attention's estimator. Xu et al. 2015 train hard attention with REINFORCE and a
// moving-average baseline; that needs the sequence reward inside the scope and has high
// variance. We use the straight-through Gumbel-softmax estimator instead (Jang et al. 2017;
// Bengio et al. 2013): the forward pass attends to exactly one position, argmax_j(a_j + g_j)
// with Gumbel noise g, which is a sample from softmax(a); the backward pass uses the gradient
// of the relaxation softmax((a + g) / τ). The gradient is biased but low-variance and flows
// through the ordinary tape. At inference g = 0: argmax of the scores.
#pragma once

#include <string>
#include <vector>

#include "libattn/nn/linear.h"

namespace attn {

enum class ScopeType { kGlobal, kLocalM, kLocalP, kHard, kMonotonic };
const char* scope_name(ScopeType type);          // "global", "local-m", ...
ScopeType parse_scope(const std::string& name);  // throws InputError on anything else
bool scope_uses_window(ScopeType type);          // local-m and local-p

// The padded source as the scopes see it.
struct SourceMask {
  Tensor additive;               // [B, S]: 0 on real tokens, -infinity on padding
  std::vector<int32_t> lengths;  // [B]

  static SourceMask from_lengths(const std::vector<int32_t>& lengths, int64_t source_length);
  SourceMask gather_rows(const std::vector<int32_t>& rows) const;
};

// What a scope carries from one decoder step to the next, for every row.
struct ScopeState {
  int64_t step = 0;                        // t, the target position being predicted
  std::vector<int32_t> previous_position;  // monotonic: last step's attended position

  ScopeState gather_rows(const std::vector<int32_t>& rows) const;
};

struct Scope {
  ScopeType type = ScopeType::kGlobal;
  int64_t window = 0;      // D, the half-width of the local windows
  Linear position_hidden;  // local_p: W_p [H, H]
  Linear position_out;     // local_p: v_p [1, H]

  Scope() = default;
  Scope(ScopeType type, int64_t hidden, int64_t window, Rng& rng);

  // scores [B, S], query [B, H] (the decoder state s) -> weights [B, S]; advances `state`.
  // In training the hard scope draws its Gumbel noise from mode.rng.
  Var weights(const Var& scores, const Var& query, const SourceMask& source, ScopeState& state,
              const ForwardMode& mode) const;

  // local_p's aligned position p_t = S_b · σ(v_pᵀ tanh(W_p s)) in [0, S_b]: [B, H] -> [B, 1].
  Var predicted_position(const Var& query, const SourceMask& source) const;

  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

// Additive [B, S] mask keeping positions j with |j - centres[b]| <= half_width, j < S_b.
Tensor window_mask(const std::vector<float>& centres, int64_t half_width, const SourceMask& source);

// exp(-(j - p_b)² / (2σ²)) for j in [0, S): centre [B, 1] -> [B, S], differentiable in p.
Var gaussian_weighting(const Var& centre, int64_t source_length, float sigma);

// One-hot weights at argmax_j(scores + noise) over unmasked positions, whose gradient is the
// gradient of masked_softmax((scores + noise) / temperature, mask) (straight-through). An
// undefined `noise` means none (inference). scores [B, S], mask additive [B, S], noise [B, S].
Var straight_through_gumbel(const Var& scores, const Tensor& mask, const Tensor& noise,
                            float temperature);

// Gumbel(0, 1) noise, -log(-log u) with u ~ U(0, 1): argmax(a + g) samples softmax(a).
Tensor gumbel_noise(const Shape& shape, Rng& rng);

}  // namespace attn
