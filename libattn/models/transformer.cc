#include "libattn/models/transformer.h"

#include <cmath>

#include "libattn/attention/masks.h"
#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/core/error.h"
#include "libattn/models/config_integer.h"
#include "libattn/models/special_tokens.h"
#include "libattn/nn/positional.h"

namespace attn {

TransformerConfig TransformerConfig::preset(const std::string& name) {
  TransformerConfig c;
  if (name == "tiny") {
    c.d_model = 64, c.heads = 4, c.ffn = 256, c.encoder_layers = 2, c.decoder_layers = 2;
  } else if (name == "small") {
    c.d_model = 256, c.heads = 4, c.ffn = 1024, c.encoder_layers = 3, c.decoder_layers = 3;
  } else if (name == "base") {
    c.d_model = 512, c.heads = 8, c.ffn = 2048, c.encoder_layers = 6, c.decoder_layers = 6;
  } else {
    throw InputError("unknown --preset '" + name + "' (expected tiny, small or base)");
  }
  return c;
}

std::map<std::string, std::string> TransformerConfig::to_map() const {
  std::map<std::string, std::string> map = {{"src_vocab", std::to_string(src_vocab)},
          {"tgt_vocab", std::to_string(tgt_vocab)},
          {"d_model", std::to_string(d_model)},
          {"heads", std::to_string(heads)},
          {"ffn", std::to_string(ffn)},
          {"encoder_layers", std::to_string(encoder_layers)},
          {"decoder_layers", std::to_string(decoder_layers)},
          {"dropout", fmt::format("{}", dropout)},
          {"pre_norm", pre_norm ? "true" : "false"},
          {"tie_output", tie_output ? "true" : "false"},
          {"shared_vocab", shared_vocab ? "true" : "false"}};
  const TransformerConfig defaults;
  if (activation != defaults.activation) map["activation"] = activation_name(activation);
  if (output_bias != defaults.output_bias) map["output_bias"] = output_bias ? "true" : "false";
  if (layer_norm_eps != defaults.layer_norm_eps)
    map["layer_norm_eps"] = fmt::format("{}", layer_norm_eps);
  if (positions_halves != defaults.positions_halves)
    map["positions"] = positions_halves ? "halves" : "interleaved";
  if (source_eos != defaults.source_eos) map["source_eos"] = source_eos ? "true" : "false";
  if (output_specials != defaults.output_specials)
    map["output_specials"] = output_specials ? "true" : "false";
  return map;
}

namespace {
constexpr int64_t kMinHeadDim = 4;
}  // namespace

TransformerConfig TransformerConfig::from_map(const std::map<std::string, std::string>& map) {
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = map.find(key);
    if (it == map.end()) throw InputError("model config has no field '" + key + "'");
    return it->second;
  };
  auto integer = [&](const std::string& key) {
    try {
      int64_t value = strict_stoll(get(key));
      if (value <= 0 || value > (int64_t{1} << 31)) throw std::out_of_range(key);
      return value;
    } catch (const std::logic_error&) {
      throw InputError("model config field '" + key + "' is not a positive integer: '" +
                       get(key) + "'");
    }
  };
  auto boolean = [&](const std::string& key) {
    const std::string& v = get(key);
    if (v != "true" && v != "false")
      throw InputError("model config field '" + key + "' is not true/false: '" + v + "'");
    return v == "true";
  };
  auto probability = [&](const std::string& key) {
    const std::string& v = get(key);
    size_t used = 0;
    float value = -1;
    try {
      value = std::stof(v, &used);
    } catch (const std::logic_error&) {
      // Not a number: `used` stays 0, and the check below says so with the field's name.
    }
    if (used != v.size() || !(value >= 0 && value < 1))
      throw InputError("model config field '" + key + "' is not a probability in [0, 1): '" + v +
                       "'");
    return value;
  };
  TransformerConfig c;
  c.src_vocab = integer("src_vocab");
  c.tgt_vocab = integer("tgt_vocab");
  c.d_model = integer("d_model");
  c.heads = integer("heads");
  c.ffn = integer("ffn");
  c.encoder_layers = integer("encoder_layers");
  c.decoder_layers = integer("decoder_layers");
  c.dropout = probability("dropout");
  c.pre_norm = boolean("pre_norm");
  c.tie_output = boolean("tie_output");
  c.shared_vocab = boolean("shared_vocab");
  // The keys of imported models; absent in attn's own files, which keep today's computation.
  auto optional_boolean = [&](const std::string& key, bool fallback) {
    return map.count(key) ? boolean(key) : fallback;
  };
  if (map.count("activation")) c.activation = parse_activation(get("activation"));
  c.output_bias = optional_boolean("output_bias", c.output_bias);
  c.source_eos = optional_boolean("source_eos", c.source_eos);
  c.output_specials = optional_boolean("output_specials", c.output_specials);
  if (map.count("positions")) {
    const std::string& v = get("positions");
    if (v != "halves" && v != "interleaved")
      throw InputError("model config field 'positions' is not interleaved/halves: '" + v + "'");
    c.positions_halves = v == "halves";
  }
  if (map.count("layer_norm_eps")) {
    const std::string& v = get("layer_norm_eps");
    size_t used = 0;
    float value = -1;
    try {
      value = std::stof(v, &used);
    } catch (const std::logic_error&) {
      used = 0;
    }
    if (used != v.size() || !(value > 0 && value < 1))
      throw InputError("model config field 'layer_norm_eps' is not in (0, 1): '" + v + "'");
    c.layer_norm_eps = value;
  }
  if (c.d_model % c.heads != 0)
    throw InputError(fmt::format("model config: d_model {} is not divisible by heads {}",
                                 c.d_model, c.heads));
  // No tensor's shape shows the head count, so a damaged or crafted count loads silently and
  // decodes garbage; a head of fewer than 4 dimensions is the sign of one (and of no use).
  if (c.d_model / c.heads < kMinHeadDim)
    throw InputError(fmt::format("model config: heads {} leave {} dimension(s) a head of d_model "
                                 "{}; at least {} are needed",
                                 c.heads, c.d_model / c.heads, c.d_model, kMinHeadDim));
  return c;
}

Transformer::Transformer(const TransformerConfig& config, Rng& rng) : config_(config) {
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
