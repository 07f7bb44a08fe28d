#include "libattn/nn/layer_norm_layer.h"

#include "libattn/autograd/layer_norm.h"

namespace attn {

LayerNorm::LayerNorm(int64_t dim)
    : weight(constant_parameter({dim}, 1.0f)), bias(constant_parameter({dim}, 0.0f)) {}

Var LayerNorm::forward(const Var& x) const { return layer_norm(x, weight, bias, eps); }

void LayerNorm::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  out.emplace_back(join_name(prefix, "weight"), weight);
  out.emplace_back(join_name(prefix, "bias"), bias);
}

}  // namespace attn
