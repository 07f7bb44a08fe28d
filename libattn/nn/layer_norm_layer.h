// LayerNorm(D) with learned gain (ones) and bias (zeros), over the last axis.
//
//   LayerNorm norm(512);
//   Var y = norm.forward(x);   // [..., 512]
#pragma once

#include "libattn/nn/parameters.h"

namespace attn {

struct LayerNorm {
  Var weight;  // [D], gamma
  Var bias;    // [D], beta
  float eps = 1e-5f;

  LayerNorm() = default;
  explicit LayerNorm(int64_t dim);
  Var forward(const Var& x) const;
  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

}  // namespace attn
