// Encoder-decoder Transformer (Vaswani et al. 2017).
//
//   TransformerConfig config = TransformerConfig::preset("small");
//   config.src_vocab = 8000; config.tgt_vocab = 8000;
//   Transformer model(config, rng);
//   Var logits = model.forward(src, tgt_in, {true, &rng});   // src [B, S], tgt_in [B, T] -> [B, T, V]
//
// Token ids are int32 with 0 = <pad>. Embeddings are scaled by sqrt(D) and summed with
// sinusoidal positions; post-norm residual blocks as in the paper, pre-norm selectable
// (more stable for deep stacks: Xiong et al. 2020). For decoding see TransformerDecoder.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/attention/multi_head.h"
#include "libattn/core/tensor.h"
#include "libattn/models/config_fields.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/feed_forward.h"
#include "libattn/nn/layer_norm_layer.h"

namespace attn {

struct TransformerConfig : TableConfig<TransformerConfig> {
  static constexpr const char* kArchitecture = "transformer";
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t d_model = 256;
  int64_t heads = 4;
  int64_t ffn = 1024;
  int64_t encoder_layers = 3;
  int64_t decoder_layers = 3;
  float dropout = 0.1f;
  bool pre_norm = false;
  bool tie_output = true;    // output projection = target embedding (Press & Wolf 2017)
  bool shared_vocab = false; // one embedding table for source and target
  // What models trained elsewhere (Marian) need; the defaults are attn's own computation, and
  // to_map() writes these keys only when they differ, so older files read back unchanged.
  Activation activation = Activation::kRelu;  // of the feed-forward blocks
  bool output_bias = false;          // a bias [V] added to the output logits
  float layer_norm_eps = 1e-5f;
  bool positions_halves = false;     // sin | cos halves (Marian, tensor2tensor), not interleaved
  bool source_eos = false;           // every source ends with </s>, as Marian's encoder saw it
  bool output_specials = true;       // false: <pad> and <s> take no probability mass (-inf)

  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<TransformerConfig>& fields();
  void check_relations() const;  // what one field's bounds cannot say
};

struct TransformerEncoderLayer {
  MultiHeadAttention self_attn;
  LayerNorm self_attn_layer_norm;
  FeedForward ffn;
  LayerNorm final_layer_norm;
};

struct TransformerDecoderLayer {
  MultiHeadAttention self_attn;
  LayerNorm self_attn_layer_norm;
  MultiHeadAttention encoder_attn;
  LayerNorm encoder_attn_layer_norm;
  FeedForward ffn;
  LayerNorm final_layer_norm;
};

// Attention maps are named after their layer: "encoder.layers.0.self_attn" [B, H, S, S],
// "decoder.layers.0.self_attn" [B, H, T, T], "decoder.layers.0.encoder_attn" [B, H, T, S].
class Transformer : public ConfiguredModel<TransformerConfig> {
 public:
  Transformer(const TransformerConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;

  Var encode_source(const Tensor& src, const ForwardMode& mode,
                    std::map<std::string, Tensor>* attention = nullptr) const;  // [B, S, D]

  // Incremental decoding (transformer_decoding.cc): a KV cache per decoder layer for
  // self-attention, cross-attention keys/values computed once per source.
  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

 private:
  Var embed_target(const Tensor& ids, int64_t position_offset, const ForwardMode& mode) const;
  Var output_logits(const Var& hidden) const;  // [..., D] -> [..., V]
  // Sublayer with residual: post-norm norm(x + f(x)), or pre-norm x + f(norm(x)).
  Var residual(const Var& x, const LayerNorm& norm, const ForwardMode& mode,
               const std::function<Var(const Var&)>& sublayer) const;
  Var embed(const Var& table, const Tensor& ids, int64_t position_offset,
            const ForwardMode& mode) const;
  // src with </s> after each row's last token when config_.source_eos (else src itself).
  Tensor with_source_eos(const Tensor& src) const;
  Tensor output_log_probs(const Var& hidden) const;  // decoding: log_softmax(output_logits), fused
  Var apply_dropout(const Var& x, const ForwardMode& mode) const;

  Var src_embedding_;  // [V_src, D]
  Var tgt_embedding_;  // [V_tgt, D]; the same Var as src_embedding_ when shared
  Linear output_projection_;  // only when !tie_output
  Var output_bias_;           // [V], only when output_bias
  Tensor output_mask_;        // [V]: -inf at <pad> and <s>, 0 elsewhere; only when !output_specials
  std::vector<TransformerEncoderLayer> encoder_;
  std::vector<TransformerDecoderLayer> decoder_;
  LayerNorm encoder_norm_, decoder_norm_;  // pre-norm only: the stacks end with a norm
};

}  // namespace attn
