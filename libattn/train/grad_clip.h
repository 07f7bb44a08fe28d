// Gradient clipping by global norm (Pascanu et al. 2013), as in torch.nn.utils.clip_grad_norm_.
//
//   float norm = clip_grad_norm(optimizer.parameters(), 1.0f);   // the norm before clipping
//   if (!std::isfinite(norm)) skip_this_step();
//
// The norm is taken over every parameter's gradient together; when it exceeds max_norm all
// gradients are scaled by max_norm / norm, so their direction is kept. max_norm <= 0 only
// measures. A non-finite norm leaves the gradients untouched, for the caller to skip the
// update. Parameters without a gradient count as zero.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libattn/autograd/variable.h"

namespace attn {

float clip_grad_norm(const std::vector<std::pair<std::string, Var>>& parameters, float max_norm);

}  // namespace attn
