#include "libattn/models/snail.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libattn/autograd/conv1d.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/core/error.h"
#include "libattn/decode/source_batch.h"

namespace attn {

namespace {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

}  // namespace

const ConfigFields<SnailConfig>& SnailConfig::fields() {
  using C = SnailConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("embed", &C::embed, "channels of the embedded tokens",
                     {{"tiny", "32"}, {"base", "128"}}),
      positive_field("filters", &C::filters, "channels each dense block adds F",
                     {{"tiny", "16"}, {"base", "64"}}),
      // Dilation 2^(dilations - 1): beyond 20 no sequence attn reads could use it.
      integer_field("dilations", &C::dilations, 1, 20,
                    "dense blocks per TC block: receptive field 2^dilations",
                    {{"tiny", "4"}, {"base", "6"}}),
      positive_field("key_size", &C::key_size, "attention blocks' key and query width",
                     {{"tiny", "16"}, {"base", "64"}}),
      positive_field("value_size", &C::value_size, "channels each attention block adds",
                     {{"tiny", "16"}, {"base", "128"}}),
      positive_field("blocks", &C::blocks, "(TC, attention) block pairs", {{"base", "3"}}),
  });
  return table;
}

int64_t SnailUnit::added_channels() const {
  return attention ? value.out_features() : conv_bias.dim(0) / 2;
}

SnailModel::SnailModel(const SnailConfig& config, Rng& rng) : ConfiguredModel(config) {
  config.validate();
  src_embedding_ = uniform_parameter({config.src_vocab, config.embed}, 0.1f, rng);
  tgt_embedding_ = uniform_parameter({config.tgt_vocab, config.embed}, 0.1f, rng);
  int64_t channels = config.embed;
  for (int64_t b = 0; b < config.blocks; ++b) {
    for (int64_t d = 0; d < config.dilations; ++d) {
      SnailUnit unit;
      unit.in_channels = channels;
      unit.dilation = 1 << d;
      const int64_t f = config.filters;
      unit.conv_weight = xavier_uniform({2 * f, channels, 2}, 2 * channels, 2 * f, rng);
      unit.conv_bias = constant_parameter({2 * f}, 0.0f);
      units_.push_back(unit);
      channels += f;
    }
    SnailUnit unit;
    unit.attention = true;
    unit.in_channels = channels;
    unit.query = Linear(channels, config.key_size, rng, false);
    unit.key = Linear(channels, config.key_size, rng, false);
    unit.value = Linear(channels, config.value_size, rng, false);
    units_.push_back(unit);
    channels += config.value_size;
  }
  output_projection_ = Linear(channels, config.tgt_vocab, rng);
}

int64_t SnailModel::feature_channels() const { return output_projection_.in_features(); }

Var SnailModel::features(const Var& x, const Tensor& keep, const Tensor& mask,
                         std::vector<Var>* keys, std::vector<Var>* values,
                         std::vector<Tensor>* weights) const {
  const Var keep_var(keep);
  const float inverse_sqrt_k = 1.0f / std::sqrt(static_cast<float>(config_.key_size));
  Var h = x;  // [B, L, C], C growing
  for (const SnailUnit& unit : units_) {
    Var added;
    if (unit.attention) {
      const Var q = unit.query.forward(h), k = unit.key.forward(h), v = unit.value.forward(h);
      // Scaled by 1/√k so the softmax does not saturate as k grows (Vaswani et al. 2017,
      // §3.2.1; SNAIL's attention block does the same).
      const Var a = masked_softmax(scale(batched_matmul(q, k, false, true), inverse_sqrt_k), mask);
      added = batched_matmul(a, v);
      if (keys) keys->push_back(k);
      if (values) values->push_back(v);
      if (weights) weights->push_back(a.value());
    } else {
      const int64_t f = unit.conv_bias.dim(0) / 2;
      const std::vector<Var> halves =
          split(causal_conv1d(h, unit.conv_weight, unit.conv_bias, unit.dilation), -1, {f, f});
      added = mul(tanh(halves[0]), sigmoid(halves[1]));
    }
    // Padding back to exact zeros: the next convolution must see what it sees before the start.
    h = mul(concat({h, added}, -1), keep_var);
  }
  return h;
}

LeftPadded left_pad(const Tensor& src, int64_t steps) {
  const int64_t batch = src.dim(0), length = src.dim(1), total = length + steps;
  const std::vector<int32_t> lengths = source_lengths(src);
  LeftPadded out{Tensor::zeros({batch, length}, DType::kI32),
                 Tensor::full({batch, total, 1}, 1.0f), Tensor::zeros({batch, total, total})};
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t start = length - lengths[b];
    std::copy(src.ints() + b * length, src.ints() + b * length + lengths[b],
              out.sources.ints() + b * length + start);
    for (int64_t i = 0; i < total; ++i) {
      if (i < start) out.keep[b * total + i] = 0.0f;
      for (int64_t j = 0; j < total; ++j)
        if (j > i || j < start) out.mask[(b * total + i) * total + j] = kMinusInfinity;
    }
  }
  return out;
}

Var SnailModel::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode&,
                        std::map<std::string, Tensor>* attention) const {
  check_source(src, "SnailModel");
  check_target(src, tgt_in, "SnailModel");
  const int64_t length = src.dim(1), steps = tgt_in.dim(1), total = length + steps;
  const LeftPadded padded = left_pad(src, steps);
  const Tensor& keep = padded.keep;
  const Var x =
      concat({embedding(src_embedding_, padded.sources), embedding(tgt_embedding_, tgt_in)}, 1);
  std::vector<Tensor> weights;
  const Var h = features(mul(x, Var(keep)), keep, padded.mask, nullptr, nullptr,
                         attention ? &weights : nullptr);
  if (attention)
    for (size_t i = 0; i < weights.size(); ++i)
      (*attention)["attention." + std::to_string(i)] =
          weights[i].slice(1, length, total).contiguous();
  return output_projection_.forward(slice(h, 1, length, total));  // [B, T, V]
}

NamedParameters SnailModel::parameters() const {
  NamedParameters out;
  out.emplace_back("encoder.embed_tokens.weight", src_embedding_);
  out.emplace_back("decoder.embed_tokens.weight", tgt_embedding_);
  for (size_t i = 0; i < units_.size(); ++i) {
    const std::string prefix = "blocks." + std::to_string(i);
    const SnailUnit& unit = units_[i];
    if (unit.attention) {
      unit.query.collect_parameters(prefix + ".query", out);
      unit.key.collect_parameters(prefix + ".key", out);
      unit.value.collect_parameters(prefix + ".value", out);
    } else {
      out.emplace_back(prefix + ".conv.weight", unit.conv_weight);
      out.emplace_back(prefix + ".conv.bias", unit.conv_bias);
    }
  }
  output_projection_.collect_parameters("output_projection", out);
  return out;
}

}  // namespace attn
