// Position-wise feed-forward block (Vaswani et al. 2017, §3.3): relu(x W1ᵀ + b1) W2ᵀ + b2,
// or with swish(h) = h * sigmoid(h) (Ramachandran et al. 2017; Marian's default) for relu,
// with dropout on the hidden activations as in tensor2tensor/fairseq ("relu dropout").
//
//   FeedForward ffn(512, 2048, rng);
//   Var y = ffn.forward(x, dropout, mode);   // [..., 512]
#pragma once

#include <string>

#include "libattn/nn/linear.h"

namespace attn {

enum class Activation : uint8_t { kRelu, kSwish };

// "relu", "swish": the names model configs use. InputError for another name.
const char* activation_name(Activation activation);
Activation parse_activation(const std::string& name);

struct FeedForward {
  Linear fc1;  // [ffn, D]
  Linear fc2;  // [D, ffn]
  Activation activation = Activation::kRelu;

  FeedForward() = default;
  FeedForward(int64_t dim, int64_t hidden, Rng& rng);
  Var forward(const Var& x, float dropout, const ForwardMode& mode) const;
  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

}  // namespace attn
