// Linear(in, out): y = x Wᵀ + b, weight stored [out, in] as in torch.nn.Linear so exported
// weights load into PyTorch unchanged.
//
//   Linear proj(512, 2048, rng);
//   Var y = proj.forward(x);          // x [..., 512] -> [..., 2048]
#pragma once

#include "libattn/nn/parameters.h"

namespace attn {

struct Linear {
  Var weight;  // [out, in]
  Var bias;    // [out]; undefined when built without bias

  Linear() = default;
  Linear(int64_t in_features, int64_t out_features, Rng& rng, bool with_bias = true);
  Var forward(const Var& x) const;
  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
  int64_t in_features() const { return weight.dim(1); }
  int64_t out_features() const { return weight.dim(0); }
};

}  // namespace attn
