#include "libattn/kernels/adam.h"

#include <cmath>

namespace attn {

void adam_update(float* param, const float* grad, float* moment1, float* moment2, int64_t n,
                 const AdamStep& hp) {
  const double t = static_cast<double>(hp.step);
  const float correction1 = static_cast<float>(1.0 - std::pow(double(hp.beta1), t));
  const float correction2 = static_cast<float>(1.0 - std::pow(double(hp.beta2), t));
  // lr · m̂ / (sqrt(v̂) + eps) with m̂ = m / c1, v̂ = v / c2, folded into two constants.
  const float step_size = hp.lr / correction1;
  const float inv_sqrt_c2 = 1.0f / std::sqrt(correction2);
  const float l2 = hp.decoupled ? 0.0f : hp.weight_decay;
  const float shrink = hp.decoupled ? 1.0f - hp.lr * hp.weight_decay : 1.0f;
  const float b1 = hp.beta1, b2 = hp.beta2;
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + l2 * param[i];
    const float m = b1 * moment1[i] + (1.0f - b1) * g;
    const float v = b2 * moment2[i] + (1.0f - b2) * g * g;
    moment1[i] = m;
    moment2[i] = v;
    param[i] = param[i] * shrink - step_size * m / (std::sqrt(v) * inv_sqrt_c2 + hp.eps);
  }
}

}  // namespace attn
