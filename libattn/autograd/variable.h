// Var: a tensor value plus, when it takes part in training, its gradient.
//
//   Var w = Var::parameter(Tensor::zeros_heap({D, V}));   // a leaf that wants a gradient
//   Var x(input);                                           // a constant
//   Var y = matmul(x, w);                                   // ops record their backward
//   tape().backward(loss);                                  // fills w.grad()
//
// A Var is a shared handle: copies refer to the same value and gradient.
#pragma once

#include <memory>

#include "libattn/core/tensor.h"

namespace attn {

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);
  static Var parameter(Tensor value) { return Var(std::move(value), true); }

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const { return node_->value; }
  Tensor& mutable_value() const { return node_->value; }
  const Shape& shape() const { return node_->value.shape(); }
  int64_t dim(int axis) const { return node_->value.dim(axis); }
  int rank() const { return node_->value.rank(); }
  bool requires_grad() const { return node_ && node_->requires_grad; }

  // The gradient, zero-filled on first use. It lives where the value lives: on the heap
  // for parameters, in the step's arena for activations.
  Tensor& grad() const;
  // The gradient for a backward step that writes every element of its contribution. While
  // the gradient is still zero (made, or zero_grad(), and not written since), no memory is
  // cleared: `accumulate` comes back false and the caller writes (=) rather than adds (+=).
  // A gradient written whole by its first contribution, as most are, is never zero-filled.
  Tensor& grad_to_write(bool& accumulate) const;
  bool has_grad() const { return node_ && node_->grad.defined(); }
  // Zero again, lazily: the memory is cleared by the next grad(), or never, when the next
  // contribution comes through grad_to_write().
  void zero_grad() const;
  void set_requires_grad(bool value) { node_->requires_grad = value; }
  bool same(const Var& other) const { return node_ == other.node_; }

 private:
  struct Node {
    Tensor value;
    Tensor grad;
    bool grad_is_zero = false;  // grad holds zero, whatever its memory holds
    bool requires_grad = false;
  };
  std::shared_ptr<Node> node_;
};

}  // namespace attn
