#include "libattn/autograd/variable.h"

#include <cstring>

namespace attn {

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

Tensor& Var::grad() const {
  bool accumulate = false;
  Tensor& g = grad_to_write(accumulate);
  if (!accumulate) std::memset(g.data(), 0, g.numel() * 4);
  return g;
}

Tensor& Var::grad_to_write(bool& accumulate) const {
  if (!node_->grad.defined()) {
    const Tensor& v = node_->value;
    node_->grad = v.on_heap() ? Tensor::empty_heap(v.shape()) : Tensor::empty(v.shape());
    node_->grad_is_zero = true;
  }
  accumulate = !node_->grad_is_zero;
  node_->grad_is_zero = false;
  return node_->grad;
}

void Var::zero_grad() const {
  if (node_->grad.defined()) node_->grad_is_zero = true;
}

}  // namespace attn
