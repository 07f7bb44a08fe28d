// The Adam / AdamW parameter update on raw arrays, for train/optimizer.h.
//
//   AdamStep hp;                               // lr 1e-3, betas 0.9 / 0.999, eps 1e-8, step 1
//   hp.weight_decay = 0.01f, hp.decoupled = true;   // AdamW
//   adam_update(param, grad, m, v, n, hp);     // updates param, m, v in place
//
// Adam (Kingma & Ba 2015, Alg. 1) with bias correction; `step` is the 1-based count of
// updates including this one. With decoupled = false a non-zero weight_decay is the classic
// L2 term added to the gradient; with decoupled = true it is AdamW (Loshchilov & Hutter
// 2019): param *= 1 - lr·weight_decay before the Adam step, so decay is not rescaled by the
// adaptive denominator. lr·weight_decay follows PyTorch's AdamW.
#pragma once

#include <cstdint>

namespace attn {

struct AdamStep {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  bool decoupled = false;
  int64_t step = 1;
};

void adam_update(float* param, const float* grad, float* moment1, float* moment2, int64_t n,
                 const AdamStep& hp);

}  // namespace attn
