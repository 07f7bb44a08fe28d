#include "libattn/train/grad_clip.h"

#include <cmath>

namespace attn {

float clip_grad_norm(const std::vector<std::pair<std::string, Var>>& parameters, float max_norm) {
  double sum_squares = 0;
  for (const auto& entry : parameters) {
    if (!entry.second.has_grad()) continue;
    const Tensor& g = entry.second.grad();
    const float* p = g.data();
    const int64_t n = g.numel();
    // Four double partials let the loop vectorise; their fixed order keeps it repeatable.
    double partial[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int l = 0; l < 4; ++l) partial[l] += double(p[i + l]) * p[i + l];
    for (; i < n; ++i) partial[0] += double(p[i]) * p[i];
    sum_squares += (partial[0] + partial[1]) + (partial[2] + partial[3]);
  }
  const double norm = std::sqrt(sum_squares);
  if (max_norm > 0.0f && std::isfinite(norm) && norm > max_norm) {
    const float factor = static_cast<float>(max_norm / norm);
    for (const auto& entry : parameters) {
      if (!entry.second.has_grad()) continue;
      Tensor& g = entry.second.grad();
      float* p = g.data();
      const int64_t n = g.numel();
      for (int64_t i = 0; i < n; ++i) p[i] *= factor;
    }
  }
  return static_cast<float>(norm);
}

}  // namespace attn
