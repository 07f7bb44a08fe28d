#include "libattn/nn/linear.h"

#include "libattn/autograd/linear.h"
#include "libattn/autograd/matmul.h"

namespace attn {

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng, bool with_bias)
    : weight(xavier_uniform({out_features, in_features}, in_features, out_features, rng)) {
  if (with_bias) bias = constant_parameter({out_features}, 0.0f);
}

Var Linear::forward(const Var& x) const {
  return bias.defined() ? linear(x, weight, bias) : matmul(x, weight, false, true);
}

void Linear::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  out.emplace_back(join_name(prefix, "weight"), weight);
  if (bias.defined()) out.emplace_back(join_name(prefix, "bias"), bias);
}

}  // namespace attn
