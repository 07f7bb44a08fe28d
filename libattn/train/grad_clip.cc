#include "libattn/train/grad_clip.h"

#include <cmath>

namespace attn {

float clip_grad_norm(const std::vector<std::pair<std::string, Var>>& parameters, float max_norm) {
  double sum_squares = 0;
  for (const auto& entry : parameters) {
    if (!entry.second.has_grad()) continue;
    const Tensor& g = entry.second.grad();
    const float* p = g.data();
    for (int64_t i = 0; i < g.numel(); ++i) sum_squares += double(p[i]) * p[i];
  }
  const double norm = std::sqrt(sum_squares);
  if (max_norm > 0.0f && std::isfinite(norm) && norm > max_norm) {
    const float factor = static_cast<float>(max_norm / norm);
    for (const auto& entry : parameters) {
      if (!entry.second.has_grad()) continue;
      Tensor& g = entry.second.grad();
      float* p = g.data();
      for (int64_t i = 0; i < g.numel(); ++i) p[i] *= factor;
    }
  }
  return static_cast<float>(norm);
}

}  // namespace attn
