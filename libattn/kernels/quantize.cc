#include "libattn/kernels/quantize.h"

#include <cmath>

namespace attn {

void quantize_rows(const float* x, int64_t rows, int64_t cols, int64_t ldx, int8_t* q,
                   int64_t ldq, float* scales) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * ldx;
    int8_t* out = q + r * ldq;
    float largest = 0.0f;
    for (int64_t j = 0; j < cols; ++j) largest = std::fmax(largest, std::fabs(in[j]));
    const float scale = largest / kInt8Max;
    scales[r] = scale;
    // Multiplying by the inverse is what lets this loop vectorise; q stays within
    // [-127, 127] because |in[j]| * (127 / largest) <= 127 up to one rounding step, which
    // nearbyint cannot push past 127.5.
    const float inverse = scale > 0.0f ? kInt8Max / largest : 0.0f;
    for (int64_t j = 0; j < cols; ++j) {
      const float v = std::nearbyint(in[j] * inverse);
      out[j] = static_cast<int8_t>(std::fmax(-127.0f, std::fmin(127.0f, v)));
    }
  }
}

void dequantize_rows(const int8_t* q, int64_t ldq, const float* scales, int64_t rows,
                     int64_t cols, float* x, int64_t ldx) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) x[r * ldx + j] = scales[r] * q[r * ldq + j];
}

}  // namespace attn
