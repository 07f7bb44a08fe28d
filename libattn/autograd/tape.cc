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
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) (*it)();
  steps_.clear();
}

}  // namespace attn
