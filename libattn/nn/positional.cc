#include "libattn/nn/positional.h"

#include <cmath>

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

}  // namespace attn
