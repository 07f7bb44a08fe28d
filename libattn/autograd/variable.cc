#include "libattn/autograd/variable.h"

#include <cstring>

namespace attn {

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

Tensor& Var::grad() const {
  if (!node_->grad.defined()) {
    const Tensor& v = node_->value;
    node_->grad = v.on_heap() ? Tensor::zeros_heap(v.shape()) : Tensor::zeros(v.shape());
  }
  return node_->grad;
}

void Var::zero_grad() const {
  if (node_->grad.defined()) std::memset(node_->grad.data(), 0, node_->grad.numel() * 4);
}

}  // namespace attn
