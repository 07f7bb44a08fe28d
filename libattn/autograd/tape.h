// The tape: ops append their backward step while grad mode is on; backward() runs them in
// reverse, so a model's backward reads like the chain rule applied from the loss down.
//
//   Var loss = model.forward(batch);    // records
//   tape().backward(loss);              // runs and clears the tape
//   { NoGrad no_grad; decode(...); }    // inference records nothing
#pragma once

#include <functional>
#include <vector>

#include "libattn/autograd/variable.h"

namespace attn {

class Tape {
 public:
  void record(std::function<void()> backward_step) { steps_.push_back(std::move(backward_step)); }
  // Seeds d(loss)/d(loss) = 1 (loss must have one element), runs every step, clears.
  void backward(Var loss);
  void clear() { steps_.clear(); }
  size_t size() const { return steps_.size(); }

 private:
  std::vector<std::function<void()>> steps_;
};

Tape& tape();  // this thread's tape

bool grad_enabled();
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

// True when grad mode is on and any input wants a gradient: the op's output then wants one
// too and the op records its backward.
template <typename... Vars>
bool needs_grad(const Vars&... inputs) {
  return grad_enabled() && (inputs.requires_grad() || ...);
}

}  // namespace attn
