// SNAIL as a decoder-only sequence model (Mishra et al. 2018): temporal-convolution (TC)
// blocks of causal dilated convolutions with dense concatenation, interleaved with causal
// attention blocks, over one sequence that is the source followed by the target.
//
//   SnailConfig config = SnailConfig::preset("small");
//   config.src_vocab = config.tgt_vocab = 24;
//   SnailModel model(config, rng);
//   Var logits = model.forward(src, tgt_in, {true, &rng});  // [B, T, V]
//
// How a decoder-only model fits Seq2SeqModel: row b is the sequence
//   [pad ... pad, x_1 .. x_S_b, BOS, y_1, y_2, ...]
// with the source left-padded to the batch's longest, so the target starts at the same
// column in every row. Padded positions are zeros after every block, exactly what a causal
// convolution sees before the start, and attention never looks at them, so a row's outputs
// do not depend on how much padding it got. Logits are read at the target positions; the
// source positions are context only (no loss there). SNAIL has no positional encodings:
// the convolutions give order (§2).
//
// Blocks (Mishra et al. 2018, §3 and Appendix B), channels growing by concatenation:
//   DenseBlock(x, d, F): a = tanh(conv_f(x)) ⊙ σ(conv_g(x)), kernel 2, dilation d -> [x; a]
//   TC(F):               DenseBlocks with d = 1, 2, 4, ..., 2^(dilations-1)
//   AttentionBlock(k, v): causal softmax(q kᵀ / √k) · values -> [x; read]
//   model:               embed -> (TC, AttentionBlock) × blocks -> linear -> logits
// Incremental decoding keeps every position's features and each attention block's keys and
// values, so a step computes one new column: a dense block needs only x_{t-d} and x_t.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/linear.h"

namespace attn {

struct SnailConfig : TableConfig<SnailConfig> {
  static constexpr const char* kArchitecture = "snail";
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t embed = 64;       // channels of the embedded tokens
  int64_t filters = 32;     // F: channels each dense block adds
  int64_t dilations = 5;    // dense blocks per TC block: receptive field 2^dilations
  int64_t key_size = 32;    // attention block keys and queries
  int64_t value_size = 32;  // channels each attention block adds
  int64_t blocks = 2;       // (TC, attention) pairs

  // tiny (embed 32, F 16, 4 dilations, k = v = 16) | small (the defaults) | base (embed 128,
  // F 64, 6 dilations, k 64, v 128, 3 blocks). Vocabulary sizes stay 0 for the data to set.
  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<SnailConfig>& fields();
};

// One block: a dense block (a causal conv) or an attention block.
struct SnailUnit {
  bool attention = false;
  int64_t in_channels = 0;
  int dilation = 1;          // dense blocks
  Var conv_weight;           // [2F, C_in, 2]: filter and gate halves
  Var conv_bias;             // [2F]
  Linear query, key, value;  // attention blocks: C_in -> k, k, v

  int64_t added_channels() const;
};

// The sequence SNAIL reads, written once for training and decoding: the right-padded sources
// src [B, S] moved right so each ends at column S, then `steps` target columns.
struct LeftPadded {
  Tensor sources;  // int32 [B, S]
  Tensor keep;     // [B, S + steps, 1]: 0 on the padding, 1 elsewhere
  Tensor mask;     // [B, S + steps, S + steps] additive: causal, and the padding never seen
};
LeftPadded left_pad(const Tensor& src, int64_t steps);

class SnailModel : public ConfiguredModel<SnailConfig> {
 public:
  SnailModel(const SnailConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  // src [B, S], tgt_in [B, T] -> [B, T, V]; `attention` gets "attention.<i>" [B, T, S + T]:
  // each attention block's weights from the target positions over the whole sequence.
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;

  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

  // Every block over a whole sequence: x [B, L, embed], keep [B, L, 1] (0 on padding),
  // mask [B, L, L] additive (causal and padding) -> features [B, L, C]. `keys` and `values`,
  // when given, receive each attention block's keys and values [B, L, k] / [B, L, v];
  // `weights` each attention block's weights [B, L, L].
  Var features(const Var& x, const Tensor& keep, const Tensor& mask, std::vector<Var>* keys,
               std::vector<Var>* values, std::vector<Tensor>* weights) const;
  int64_t feature_channels() const;

 private:
  Var src_embedding_;  // [V_src, embed]
  Var tgt_embedding_;  // [V_tgt, embed]
  std::vector<SnailUnit> units_;
  Linear output_projection_;  // [V, C]
};

}  // namespace attn
