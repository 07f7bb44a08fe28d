#include "libattn/autograd/conv1d.h"

#include <cstring>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/kernels/gemm.h"

namespace attn {

namespace {

struct ConvDims {
  int64_t batch, time, channels, out_channels, taps, dilation;
  int64_t shift(int64_t tap) const { return (taps - 1 - tap) * dilation; }
};

// columns[b, t, j·C + c] = x[b, t - shift(j), c], zero before the start.
void im2col(const float* x, const ConvDims& s, float* columns) {
  const int64_t width = s.taps * s.channels;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t t = 0; t < s.time; ++t) {
      float* row = columns + (b * s.time + t) * width;
      for (int64_t j = 0; j < s.taps; ++j) {
        const int64_t source = t - s.shift(j);
        float* dst = row + j * s.channels;
        if (source < 0)
          std::memset(dst, 0, s.channels * sizeof(float));
        else
          std::memcpy(dst, x + (b * s.time + source) * s.channels, s.channels * sizeof(float));
      }
    }
}

// The adjoint of im2col: dx[b, t - shift(j), c] += dcolumns[b, t, j·C + c].
void col2im_add(const float* columns, const ConvDims& s, float* dx) {
  const int64_t width = s.taps * s.channels;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t t = 0; t < s.time; ++t)
      for (int64_t j = 0; j < s.taps; ++j) {
        const int64_t source = t - s.shift(j);
        if (source < 0) continue;
        const float* src = columns + (b * s.time + t) * width + j * s.channels;
        float* dst = dx + (b * s.time + source) * s.channels;
        for (int64_t c = 0; c < s.channels; ++c) dst[c] += src[c];
      }
}

}  // namespace

// With X = im2col(x) [B·T, K·C] and W' [O, K·C] (w reordered tap-major):
//   Y = X W'ᵀ + bias;  dW' = dYᵀ X;  dX = dY W' (then col2im);  dbias = column sums of dY.
Var causal_conv1d(const Var& x_var, const Var& w_var, const Var& bias_var, int dilation) {
  const Tensor x = x_var.value().contiguous();
  const Tensor w = w_var.value().contiguous();
  ATTN_CHECK(x.rank() == 3, "causal_conv1d: x must be [B, T, C], got {}", shape_str(x.shape()));
  ATTN_CHECK(w.rank() == 3 && w.dim(1) == x.dim(2),
             "causal_conv1d: weight must be [O, C, K] with C = {}, got {}", x.dim(2),
             shape_str(w.shape()));
  ATTN_CHECK(dilation >= 1, "causal_conv1d: dilation must be >= 1, got {}", dilation);
  const ConvDims s{x.dim(0), x.dim(1), x.dim(2), w.dim(0), w.dim(2), dilation};
  const bool has_bias = bias_var.defined();
  Tensor bias;
  if (has_bias) {
    bias = bias_var.value().contiguous();
    ATTN_CHECK(bias.rank() == 1 && bias.dim(0) == s.out_channels,
               "causal_conv1d: bias must be [{}], got {}", s.out_channels, shape_str(bias.shape()));
  }
  const int64_t rows = s.batch * s.time, width = s.taps * s.channels;

  // w [O, C, K] -> w' [O, K, C], so that a tap's C weights sit next to each other like
  // a tap's C inputs in the im2col row.
  Tensor w_taps = Tensor::empty({s.out_channels, width});
  for (int64_t o = 0; o < s.out_channels; ++o)
    for (int64_t c = 0; c < s.channels; ++c)
      for (int64_t j = 0; j < s.taps; ++j)
        w_taps[o * width + j * s.channels + c] = w[(o * s.channels + c) * s.taps + j];
  Tensor columns = Tensor::empty({rows, width});
  im2col(x.data(), s, columns.data());

  Tensor y = Tensor::empty({s.batch, s.time, s.out_channels});
  float* py = y.data();
  if (has_bias) {
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(py + r * s.out_channels, bias.data(), s.out_channels * sizeof(float));
  }
  gemm(false, true, rows, s.out_channels, width, 1.0f, columns.data(), width, w_taps.data(), width,
       has_bias ? 1.0f : 0.0f, py, s.out_channels);

  Var out(y, needs_grad(x_var, w_var, bias_var));
  if (out.requires_grad()) {
    tape().record([x_var, w_var, bias_var, out, s, rows, width, w_taps, columns]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();  // [B·T, O]
      const int64_t o_count = s.out_channels;
      if (w_var.requires_grad()) {
        Tensor dw_taps = Tensor::empty({o_count, width});
        gemm(true, false, o_count, width, rows, 1.0f, g, o_count, columns.data(), width, 0.0f,
             dw_taps.data(), width);
        float* dw = w_var.grad().data();
        for (int64_t o = 0; o < o_count; ++o)
          for (int64_t c = 0; c < s.channels; ++c)
            for (int64_t j = 0; j < s.taps; ++j)
              dw[(o * s.channels + c) * s.taps + j] += dw_taps[o * width + j * s.channels + c];
      }
      if (x_var.requires_grad()) {
        Tensor dcolumns = Tensor::empty({rows, width});
        gemm(false, false, rows, width, o_count, 1.0f, g, o_count, w_taps.data(), width, 0.0f,
             dcolumns.data(), width);
        col2im_add(dcolumns.data(), s, x_var.grad().data());
      }
      if (bias_var.requires_grad()) {
        float* db = bias_var.grad().data();
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t o = 0; o < o_count; ++o) db[o] += g[r * o_count + o];
      }
    });
  }
  return out;
}

}  // namespace attn
