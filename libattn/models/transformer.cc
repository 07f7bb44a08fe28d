#include "libattn/models/transformer.h"

#include <cmath>

#include "libattn/attention/masks.h"
#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/core/error.h"
#include "libattn/models/shared_fields.h"
#include "libattn/models/special_tokens.h"
#include "libattn/nn/positional.h"

namespace attn {

const ConfigFields<TransformerConfig>& TransformerConfig::fields() {
  using C = TransformerConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("d_model", &C::d_model, "model width D", {{"tiny", "64"}, {"base", "512"}}),
      positive_field("heads", &C::heads, "attention heads H (D/H >= 4)", {{"base", "8"}}),
      positive_field("ffn", &C::ffn, "feed-forward inner width",
                     {{"tiny", "256"}, {"base", "2048"}}),
      positive_field("encoder_layers", &C::encoder_layers, "encoder blocks",
                     {{"tiny", "2"}, {"base", "6"}}),
      positive_field("decoder_layers", &C::decoder_layers, "decoder blocks",
                     {{"tiny", "2"}, {"base", "6"}}),
      number_field("dropout", &C::dropout, kProbability, "dropout probability"),
      boolean_field("pre_norm", &C::pre_norm,
                    "layer norm before each sublayer (Xiong et al. 2020)"),
      boolean_field("tie_output", &C::tie_output, "output projection = target embedding"),
      boolean_field("shared_vocab", &C::shared_vocab, "one embedding for source and target"),
      omitted_at_default(choice_field("activation", &C::activation,
                                      {Activation::kRelu, Activation::kSwish}, activation_name,
                                      "feed-forward activation")),
      omitted_at_default(boolean_field("output_bias", &C::output_bias, "a bias on the logits")),
      omitted_at_default(number_field("layer_norm_eps", &C::layer_norm_eps, {0, 1, true, true},
                                      "epsilon of the layer norms")),
      omitted_at_default(choice_field(
          "positions", &C::positions_halves, {false, true},
          +[](bool halves) { return halves ? "halves" : "interleaved"; },
          "sinusoid layout: interleaved sin/cos, or sin | cos halves (Marian)")),
      source_eos_field(&C::source_eos),
      output_specials_field(&C::output_specials),
  });
  return table;
}

namespace {
constexpr int64_t kMinHeadDim = 4;
}  // namespace

void TransformerConfig::check_relations() const {
  if (d_model % heads != 0)
    throw InputError(
        fmt::format("model config: d_model {} is not divisible by heads {}", d_model, heads));
  // No tensor's shape shows the head count, so a damaged or crafted count loads silently and
  // decodes garbage; a head of fewer than 4 dimensions is the sign of one (and of no use).
  if (d_model / heads < kMinHeadDim)
    throw InputError(
        fmt::format("model config: heads {} leave {} dimension(s) a head of d_model "
                    "{}; at least {} are needed",
                    heads, d_model / heads, d_model, kMinHeadDim));
}

Transformer::Transformer(const TransformerConfig& config, Rng& rng) : ConfiguredModel(config) {
  const int64_t d = config.d_model;
  ATTN_CHECK(config.src_vocab > 0 && config.tgt_vocab > 0, "Transformer: vocabulary sizes unset");
  ATTN_CHECK(!config.shared_vocab || config.src_vocab == config.tgt_vocab,
             "Transformer: a shared vocabulary needs equal sizes ({} vs {})", config.src_vocab,
             config.tgt_vocab);
  const float embed_std = 1.0f / std::sqrt(static_cast<float>(d));
  src_embedding_ = normal_parameter({config.src_vocab, d}, embed_std, rng);
  tgt_embedding_ = config.shared_vocab ? src_embedding_
                                       : normal_parameter({config.tgt_vocab, d}, embed_std, rng);
  for (int64_t i = 0; i < config.encoder_layers; ++i)
    encoder_.push_back({MultiHeadAttention(d, config.heads, rng), LayerNorm(d),
                        FeedForward(d, config.ffn, rng), LayerNorm(d)});
  for (int64_t i = 0; i < config.decoder_layers; ++i)
    decoder_.push_back({MultiHeadAttention(d, config.heads, rng), LayerNorm(d),
                        MultiHeadAttention(d, config.heads, rng), LayerNorm(d),
                        FeedForward(d, config.ffn, rng), LayerNorm(d)});
  if (!config.tie_output) output_projection_ = Linear(d, config.tgt_vocab, rng, false);
  if (config.pre_norm) {
    encoder_norm_ = LayerNorm(d);
    decoder_norm_ = LayerNorm(d);
  }
  if (config.output_bias) output_bias_ = constant_parameter({config.tgt_vocab}, 0.0f);
  if (!config.output_specials) output_mask_ = no_pad_bos_mask(config.tgt_vocab);
  auto configure = [&](FeedForward& ffn, std::vector<LayerNorm*> norms) {
    ffn.activation = config.activation;
    for (LayerNorm* norm : norms) norm->eps = config.layer_norm_eps;
  };
  for (auto& layer : encoder_)
    configure(layer.ffn, {&layer.self_attn_layer_norm, &layer.final_layer_norm});
  for (auto& layer : decoder_)
    configure(layer.ffn, {&layer.self_attn_layer_norm, &layer.encoder_attn_layer_norm,
                          &layer.final_layer_norm});
  encoder_norm_.eps = decoder_norm_.eps = config.layer_norm_eps;
}

Tensor Transformer::with_source_eos(const Tensor& src) const {
  return config_.source_eos ? attn::with_source_eos(src) : src;
}

Var Transformer::apply_dropout(const Var& x, const ForwardMode& mode) const {
  if (!mode.training || config_.dropout <= 0) return x;
  return dropout(x, config_.dropout, *mode.rng, true);
}

Var Transformer::embed(const Var& table, const Tensor& ids, int64_t position_offset,
                       const ForwardMode& mode) const {
  const int64_t d = config_.d_model;
  // Scaled by sqrt(D) so embeddings (std D^-0.5) and positions (amplitude 1) are
  // comparable (§3.4).
  Var x = scale(embedding(table, ids), std::sqrt(static_cast<float>(d)));
  x = add(x, Var(config_.positions_halves ? sinusoidal_positions_halves(ids.dim(1), d, position_offset)
                                          : sinusoidal_positions(ids.dim(1), d, position_offset)));
  return apply_dropout(x, mode);
}

Var Transformer::embed_target(const Tensor& ids, int64_t position_offset,
                              const ForwardMode& mode) const {
  return embed(tgt_embedding_, ids, position_offset, mode);
}

Var Transformer::residual(const Var& x, const LayerNorm& norm, const ForwardMode& mode,
                          const std::function<Var(const Var&)>& sublayer) const {
  if (config_.pre_norm) return add(x, apply_dropout(sublayer(norm.forward(x)), mode));
  return norm.forward(add(x, apply_dropout(sublayer(x), mode)));
}

Var Transformer::encode_source(const Tensor& source, const ForwardMode& mode,
                               std::map<std::string, Tensor>* attention) const {
  const Tensor src = with_source_eos(source);
  const Tensor mask = padding_mask(src, 0);
  Var x = embed(src_embedding_, src, 0, mode);
  for (size_t i = 0; i < encoder_.size(); ++i) {
    const auto& layer = encoder_[i];
    Tensor weights;
    x = residual(x, layer.self_attn_layer_norm, mode, [&](const Var& h) {
      return layer.self_attn.forward(h, h, mask, mode, attention ? &weights : nullptr);
    });
    if (attention) (*attention)["encoder.layers." + std::to_string(i) + ".self_attn"] = weights;
    x = residual(x, layer.final_layer_norm, mode,
                 [&](const Var& h) { return layer.ffn.forward(h, config_.dropout, mode); });
  }
  return config_.pre_norm ? encoder_norm_.forward(x) : x;
}

Var Transformer::output_logits(const Var& hidden) const {
  Var logits = config_.tie_output ? matmul(hidden, tgt_embedding_, false, true)
                                  : output_projection_.forward(hidden);
  if (config_.output_bias) logits = add(logits, output_bias_);
  if (!config_.output_specials) logits = add(logits, Var(output_mask_));
  return logits;
}

Var Transformer::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
                         std::map<std::string, Tensor>* attention) const {
  Var memory = encode_source(src, mode, attention);
  const Tensor src_mask = padding_mask(with_source_eos(src), 0);
  const Tensor self_mask = causal_padding_mask(tgt_in, 0);
  Var y = embed_target(tgt_in, 0, mode);
  for (size_t i = 0; i < decoder_.size(); ++i) {
    const auto& layer = decoder_[i];
    Tensor self_weights, cross_weights;
    y = residual(y, layer.self_attn_layer_norm, mode, [&](const Var& h) {
      return layer.self_attn.forward(h, h, self_mask, mode, attention ? &self_weights : nullptr);
    });
    y = residual(y, layer.encoder_attn_layer_norm, mode, [&](const Var& h) {
      return layer.encoder_attn.forward(h, memory, src_mask, mode,
                                        attention ? &cross_weights : nullptr);
    });
    if (attention) {
      const std::string prefix = "decoder.layers." + std::to_string(i);
      (*attention)[prefix + ".self_attn"] = self_weights;
      (*attention)[prefix + ".encoder_attn"] = cross_weights;
    }
    y = residual(y, layer.final_layer_norm, mode,
                 [&](const Var& h) { return layer.ffn.forward(h, config_.dropout, mode); });
  }
  if (config_.pre_norm) y = decoder_norm_.forward(y);
  return output_logits(y);
}

NamedParameters Transformer::parameters() const {
  NamedParameters out;
  out.emplace_back("encoder.embed_tokens.weight", src_embedding_);
  if (!config_.shared_vocab) out.emplace_back("decoder.embed_tokens.weight", tgt_embedding_);
  for (size_t i = 0; i < encoder_.size(); ++i) {
    const auto& layer = encoder_[i];
    const std::string prefix = "encoder.layers." + std::to_string(i);
    layer.self_attn.collect_parameters(prefix + ".self_attn", out);
    layer.self_attn_layer_norm.collect_parameters(prefix + ".self_attn_layer_norm", out);
    layer.ffn.collect_parameters(prefix, out);
    layer.final_layer_norm.collect_parameters(prefix + ".final_layer_norm", out);
  }
  for (size_t i = 0; i < decoder_.size(); ++i) {
    const auto& layer = decoder_[i];
    const std::string prefix = "decoder.layers." + std::to_string(i);
    layer.self_attn.collect_parameters(prefix + ".self_attn", out);
    layer.self_attn_layer_norm.collect_parameters(prefix + ".self_attn_layer_norm", out);
    layer.encoder_attn.collect_parameters(prefix + ".encoder_attn", out);
    layer.encoder_attn_layer_norm.collect_parameters(prefix + ".encoder_attn_layer_norm", out);
    layer.ffn.collect_parameters(prefix, out);
    layer.final_layer_norm.collect_parameters(prefix + ".final_layer_norm", out);
  }
  if (config_.pre_norm) {
    encoder_norm_.collect_parameters("encoder.layer_norm", out);
    decoder_norm_.collect_parameters("decoder.layer_norm", out);
  }
  if (!config_.tie_output) output_projection_.collect_parameters("decoder.output_projection", out);
  if (config_.output_bias) out.emplace_back("decoder.output_bias", output_bias_);
  return out;
}

}  // namespace attn
