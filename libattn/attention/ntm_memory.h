// The Neural Turing Machine's memory and heads (Graves et al. 2014, §3): a memory matrix
// [B, N, M] (N slots of width M) read and written through soft weightings [B, N] that a
// head computes from the controller's output in four stages:
//   content   w_c = softmax(β · cos(k, M_i))              eq. 5-6   (key k, strength β >= 0)
//   gate      w_g = g · w_c + (1 - g) · w_{t-1}           eq. 7     (g in (0, 1))
//   shift     w̃   = w_g ⊛ s                               eq. 8     (s: softmax over -R..R)
//   sharpen   w   = w̃^γ / Σ_j w̃_j^γ                       eq. 9     (γ >= 1)
// reading r = Σ_i w_i M_i (eq. 2), writing erase then add (eq. 3-4):
//   M' = M ⊙ Π_h (1 - w_h e_hᵀ) + Σ_h w_h a_hᵀ.
//
//   NtmHead head(NtmHeadKind::kWrite, controller_size, memory_width, shift_radius, rng);
//   NtmHeadParameters p = head.emit(controller_output);       // [B, H] -> k, β, g, s, γ, e, a
//   Var w = address(memory, previous_w, p);                     // [B, N]
//   memory = write_memory(memory, {w}, {p.erase}, {p.add});     // [B, N, M]
//   Var r = read_memory(memory, read_w);                        // [B, M]
//
// Every stage is a composition of gradient-checked ops (cosine_similarity, softmax,
// circular_shift, softplus, ...), so the whole addressing chain is differentiable end to end.
#pragma once

#include <string>
#include <vector>

#include "libattn/nn/linear.h"

namespace attn {

// w_c = softmax(β · cos(k, M_i)): memory [B, N, M], key [B, M], strength [B, 1] -> [B, N].
Var content_addressing(const Var& memory, const Var& key, const Var& strength);
// g · content + (1 - g) · previous: both [B, N], gate [B, 1].
Var interpolate(const Var& content, const Var& previous, const Var& gate);
// w^γ / Σ w^γ, as softmax(γ · log(w + ε)) so large γ cannot overflow: w [B, N], γ [B, 1].
// ε keeps log finite where a shifted weighting is exactly 0.
Var sharpen(const Var& weights, const Var& gamma);
// r = Σ_i w_i M_i: memory [B, N, M], weights [B, N] -> [B, M].
Var read_memory(const Var& memory, const Var& weights);
// Erase then add with every write head at once (eq. 3-4): weights[h] [B, N], erase[h] and
// add[h] [B, M] -> the new memory [B, N, M].
Var write_memory(const Var& memory, const std::vector<Var>& weights, const std::vector<Var>& erase,
                 const std::vector<Var>& add);

enum class NtmHeadKind { kRead, kWrite };

// What a head emits at one step, each squashed into its range (§3.3.1, §3.3.2).
struct NtmHeadParameters {
  Var key;        // [B, M]   raw
  Var strength;   // [B, 1]   β = softplus(·) >= 0
  Var gate;       // [B, 1]   g = σ(·)
  Var shift;      // [B, 2R + 1] softmax over the offsets -R..R
  Var sharpness;  // [B, 1]   γ = 1 + softplus(·) >= 1
  Var erase;      // [B, M]   e = σ(·); write heads only
  Var add;        // [B, M]   a = tanh(·); write heads only
};

// All four stages from the parameters: memory [B, N, M], previous [B, N] -> [B, N].
Var address(const Var& memory, const Var& previous, const NtmHeadParameters& p);

// One head: a linear map from the controller output to its parameters.
struct NtmHead {
  NtmHeadKind kind = NtmHeadKind::kRead;
  int64_t memory_width = 0;  // M
  int64_t shift_radius = 0;  // R
  Linear projection;         // [M + 3 + 2R + 1 (+ 2M for a write head), H]

  NtmHead() = default;
  NtmHead(NtmHeadKind kind, int64_t controller_size, int64_t memory_width, int64_t shift_radius,
          Rng& rng);
  NtmHeadParameters emit(const Var& controller_output) const;  // [B, H]
  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

}  // namespace attn
