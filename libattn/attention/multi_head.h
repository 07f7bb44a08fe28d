// Multi-head attention (Vaswani et al. 2017, §3.2.2): H heads of width D/H attend in
// parallel over projected queries, keys and values; their outputs are concatenated and
// projected back to D.
//
//   MultiHeadAttention attn(512, 8, rng);
//   Var y = attn.forward(x, x, mask, mode);                 // self-attention [B, T, D]
//   Var c = attn.forward(y, memory, src_mask, mode, &w);    // cross-attention, w [B, H, T, S]
//
// Incremental decoding: self-attention appends one step's keys and values to a
// SelfAttentionCache; cross-attention computes the source's keys and values once
// (project_memory, a KeyValueCache).
#pragma once

#include "libattn/attention/self_attention_cache.h"
#include "libattn/nn/linear.h"

namespace attn {

// Keys and values of one attention layer for the rows being decoded: [rows, H, length, D/H]
// (cross-attention's source memory while decoding).
struct KeyValueCache {
  Tensor keys;    // [rows, H, length, D/H]; heap
  Tensor values;  // [rows, H, length, D/H]
  int64_t length = 0;

  // Row i becomes old row rows[i]. Only the first `length` positions are copied, into
  // buffers kept from the previous reorder (the two swap), so a beam step allocates nothing.
  void reorder(const std::vector<int32_t>& rows);

 private:
  Tensor spare_keys_, spare_values_;  // the last reorder's sources, reused as its targets
};

struct MultiHeadAttention {
  Linear q_proj, k_proj, v_proj, out_proj;  // each [D, D]
  int64_t heads = 1;

  MultiHeadAttention() = default;
  MultiHeadAttention(int64_t dim, int64_t heads, Rng& rng);

  // query [B, T, D], key_value [B, S, D], mask additive broadcastable to [B, H, T, S].
  Var forward(const Var& query, const Var& key_value, const Tensor& mask, const ForwardMode& mode,
              Tensor* weights = nullptr) const;

  // Decoding, no gradients. step: query [rows, 1, D]; the cache gets this step's keys and
  // values first (self-attention).
  Var forward_step(const Var& query, SelfAttentionCache& cache) const;
  // Cross-attention: keys/values of the memory, computed once per source.
  KeyValueCache project_memory(const Var& memory) const;  // memory [rows, S, D]
  // With row_sentence, memory and mask hold one entry per source sentence ([sentences, ...])
  // and query row r reads entry row_sentence[r]: the beams of a sentence share one copy,
  // read from cache by its consecutive rows, instead of beam-many copies gathered on reorder.
  Var forward_cached(const Var& query, const KeyValueCache& memory, const Tensor& mask,
                     Tensor* weights = nullptr,
                     const std::vector<int32_t>* row_sentence = nullptr) const;

  void collect_parameters(const std::string& prefix, NamedParameters& out) const;

 private:
  Var split_heads(const Var& x) const;  // [B, T, D] -> [B, H, T, D/H]
  Var merge_heads(const Var& x) const;  // [B, H, T, D/H] -> [B, T, D]
};

}  // namespace attn
