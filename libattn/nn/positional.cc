#include "libattn/nn/positional.h"

#include <cmath>

#include "libattn/core/error.h"

namespace attn {

Tensor sinusoidal_positions(int64_t length, int64_t dim, int64_t offset) {
  Tensor pe = Tensor::empty({length, dim});
  float* p = pe.data();
  for (int64_t pos = 0; pos < length; ++pos) {
    for (int64_t i = 0; i < dim; i += 2) {
      double angle = static_cast<double>(pos + offset) / std::pow(10000.0, double(i) / dim);
      p[pos * dim + i] = static_cast<float>(std::sin(angle));
      if (i + 1 < dim) p[pos * dim + i + 1] = static_cast<float>(std::cos(angle));
    }
  }
  return pe;
}

Tensor sinusoidal_positions_halves(int64_t length, int64_t dim, int64_t offset) {
  ATTN_CHECK(dim % 2 == 0 && dim >= 4, "sinusoidal_positions_halves: dim {} must be even and >= 4",
             dim);
  Tensor pe = Tensor::empty({length, dim});
  float* p = pe.data();
  const int64_t half = dim / 2;
  const float increment = std::log(10000.0f) / (static_cast<float>(half) - 1.0f);
  for (int64_t pos = 0; pos < length; ++pos) {
    for (int64_t i = 0; i < half; ++i) {
      const float angle =
          static_cast<float>(pos + offset) * std::exp(static_cast<float>(i) * -increment);
      p[pos * dim + i] = std::sin(angle);
      p[pos * dim + half + i] = std::cos(angle);
    }
  }
  return pe;
}

}  // namespace attn
