// Attention scorers: how well decoder state s matches each encoder state h_j, before the
// scope turns the scores into weights. One query row per batch row, as an RNN decoder
// produces them one step at a time.
//
//   Scorer scorer(ScorerType::kConcat, H, 0, rng);
//   Var keys = scorer.keys(memory);          // memory [B, S, H] -> [B, S, K], once per source
//   Var scores = scorer.score(s, keys);      // s [B, H] -> [B, S]
//
//   dot         sᵀ h                                  Luong et al. 2015, §3.1
//   general     sᵀ W h                                Luong et al. 2015
//   concat      vᵀ tanh(W1 h + W2 s)                  Bahdanau et al. 2015 (additive)
//   scaled-dot  sᵀ h / sqrt(H)                        Vaswani et al. 2017, §3.2.1
//   location    (W s)_j, j < max_source_length        Luong et al. 2015 (content-free)
//   cosine      β(s) · cos(s, h), β = softplus(w·s+b) Graves et al. 2014 (NTM content address)
#pragma once

#include <string>

#include "libattn/nn/linear.h"

namespace attn {

enum class ScorerType { kDot, kGeneral, kConcat, kScaledDot, kLocation, kCosine };
const char* scorer_name(ScorerType type);          // "dot", "general", ...
ScorerType parse_scorer(const std::string& name);  // throws InputError on anything else

struct Scorer {
  ScorerType type = ScorerType::kDot;
  Linear linear_in;         // general: W [H, H]; concat: W1 [H, H] (memory side)
  Linear linear_query;      // concat: W2 [H, H] + bias (query side)
  Linear v;                 // concat: [1, H]
  Linear linear_location;   // location: [max_source_length, H] + bias
  Linear linear_sharpness;  // cosine: [1, H] + bias, the key strength β before softplus

  Scorer() = default;
  // max_source_length: the location scorer's number of positions (ignored by the others).
  // memory_size (concat only; 0 = hidden): the encoder states' width when it differs from the
  // query's, as in Marian's s2s, whose additive attention works at the memory's width:
  // W1 [M, M], W2 [M, H] + bias, v [1, M].
  Scorer(ScorerType type, int64_t hidden, int64_t max_source_length, Rng& rng,
         int64_t memory_size = 0);

  // The query-independent half of the score, computed once per source and reused at every
  // decoder step: W h (general), W1 h (concat), or the memory itself.
  Var keys(const Var& memory) const;                   // [B, S, H] -> [B, S, K]
  Var score(const Var& query, const Var& keys) const;  // [B, H], [B, S, K] -> [B, S]

  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

}  // namespace attn
