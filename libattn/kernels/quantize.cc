#include "libattn/kernels/quantize.h"

#include <cmath>

namespace attn {

void quantize_rows(const float* x, int64_t rows, int64_t cols, int64_t ldx, int8_t* q,
                   int64_t ldq, float* scales) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * ldx;
    int8_t* out = q + r * ldq;
    float largest = 0.0f;
    for (int64_t j = 0; j < cols; ++j) {
      const float magnitude = std::fabs(in[j]);
      largest = magnitude > largest ? magnitude : largest;
    }
    const float scale = largest / kInt8Max;
    scales[r] = scale;
    // Multiplying by the inverse and rounding half away from zero by hand (add +-0.5,
    // truncate) is what lets this loop vectorise: std::nearbyint does not, and this runs on
    // every activation row of every int8 product. |in[j]| * inverse <= 127 up to one
    // rounding step, so the clamp only guards against that step.
    const float inverse = scale > 0.0f ? kInt8Max / largest : 0.0f;
    for (int64_t j = 0; j < cols; ++j) {
      const float v = in[j] * inverse;
      const int rounded = static_cast<int>(v + (v >= 0.0f ? 0.5f : -0.5f));
      out[j] = static_cast<int8_t>(rounded > kInt8Max ? kInt8Max
                                   : rounded < -kInt8Max ? -kInt8Max : rounded);
    }
  }
}

void dequantize_rows(const int8_t* q, int64_t ldq, const float* scales, int64_t rows,
                     int64_t cols, float* x, int64_t ldx) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) x[r * ldx + j] = scales[r] * q[r * ldq + j];
}

}  // namespace attn
