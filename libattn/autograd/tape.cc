#include "libattn/autograd/tape.h"

#include "libattn/core/error.h"

namespace attn {

namespace {
thread_local Tape t_tape;
thread_local bool t_grad_enabled = true;
}  // namespace

Tape& tape() { return t_tape; }
bool grad_enabled() { return t_grad_enabled; }
NoGrad::NoGrad() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGrad::~NoGrad() { t_grad_enabled = previous_; }

void Tape::backward(Var loss) {
  ATTN_CHECK(loss.value().numel() == 1, "backward() needs a scalar loss, got shape {}",
             shape_str(loss.shape()));
  ATTN_CHECK(loss.requires_grad(), "backward(): the loss does not depend on any parameter");
  loss.grad().data()[0] += 1.0f;
  // Each step is dropped as soon as it has run: the activations only it kept, and the
  // gradients of values no step still to run reads, go back to the arena for the steps
  // below (their gradients take the same blocks), so a step's memory peaks near the end of
  // the forward pass rather than at the end of the backward one.
  while (!steps_.empty()) {
    std::function<void()> step = std::move(steps_.back());
    steps_.pop_back();
    step();
  }
}

}  // namespace attn
