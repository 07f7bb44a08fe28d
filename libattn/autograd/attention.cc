#include "libattn/autograd/attention.h"

#include <algorithm>
#include <array>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/gemm.h"
#include "libattn/kernels/softmax.h"

namespace attn {

namespace {

// Strides (in floats) of a broadcast mask along B, H and T; 0 where the mask has size 1.
std::array<int64_t, 3> mask_strides(const Tensor& mask, const std::array<int64_t, 4>& dims) {
  const Shape& shape = mask.shape();
  const int rank = mask.rank();
  ATTN_CHECK(rank >= 1 && rank <= 4 && shape.back() == dims[3],
             "attention: mask {} does not broadcast to [{}, {}, {}, {}] (its last dim must be S)",
             shape_str(shape), dims[0], dims[1], dims[2], dims[3]);
  std::array<int64_t, 4> full{1, 1, 1, 1};
  for (int i = 0; i < rank; ++i) full[4 - rank + i] = shape[i];
  std::array<int64_t, 3> strides{};
  int64_t stride = dims[3];
  for (int axis = 2; axis >= 0; --axis) {
    ATTN_CHECK(full[axis] == 1 || full[axis] == dims[axis],
               "attention: mask {} does not broadcast to [{}, {}, {}, {}]", shape_str(shape),
               dims[0], dims[1], dims[2], dims[3]);
    strides[axis] = full[axis] == 1 ? 0 : stride;
    stride *= full[axis];
  }
  return strides;
}

// The tensor itself when its [S, E] matrices are dense and evenly spaced along B·H (the
// stride between them read from axis 1), else a contiguous copy.
Tensor batch_strided(const Tensor& t) {
  if (t.rank() == 4 && t.strides()[3] == 1 && t.strides()[2] == t.dim(3) &&
      t.strides()[0] == t.strides()[1] * t.dim(1))
    return t;
  return t.contiguous();
}

// Floats between consecutive (b, h) matrices of a batch_strided tensor.
int64_t matrix_stride(const Tensor& t) { return t.strides()[1]; }

}  // namespace

// Forward, per (b, h):  P = softmax(scale · Q Kᵀ + M),  O = P V.
// Backward, with G = dO:  dV = Pᵀ G,  dP = G Vᵀ,  dZ = P ∘ (dP - rowsum(dP ∘ P)),
//   dQ = scale · dZ K,  dK = scale · dZᵀ Q.
Var scaled_dot_product_attention(const Var& q_var, const Var& k_var, const Var& v_var,
                                 const Tensor& mask_in, float scale, Tensor* weights) {
  const Tensor q = q_var.value().contiguous();
  // Keys and values may be a prefix of a longer cache ([B, H, capacity, E] sliced to S):
  // each (b, h) matrix is still dense, only the stride between them is longer, and the GEMMs
  // take that stride instead of a copy of the whole cache every decoding step.
  const Tensor k = batch_strided(k_var.value());
  const Tensor v = batch_strided(v_var.value());
  ATTN_CHECK(q.rank() == 4 && k.rank() == 4 && v.rank() == 4,
             "attention: q, k, v must be [B, H, *, *], got {}, {}, {}", shape_str(q.shape()),
             shape_str(k.shape()), shape_str(v.shape()));
  const int64_t b = q.dim(0), h = q.dim(1), t = q.dim(2), e = q.dim(3);
  const int64_t s = k.dim(2), f = v.dim(3);
  ATTN_CHECK(k.dim(0) == b && k.dim(1) == h && k.dim(3) == e && v.dim(0) == b && v.dim(1) == h &&
                 v.dim(2) == s,
             "attention: shapes disagree: q {} k {} v {}", shape_str(q.shape()),
             shape_str(k.shape()), shape_str(v.shape()));
  const int64_t batch = b * h;
  const int64_t k_stride = matrix_stride(k), v_stride = matrix_stride(v);
  const float* k_data = k.strided_data();
  const float* v_data = v.strided_data();

  Tensor probs = Tensor::empty({b, h, t, s});
  float* p = probs.data();
  gemm_strided_batched(false, true, t, s, e, scale, q.data(), e, t * e, k_data, e, k_stride, 0.0f, p,
                       s, t * s, batch);
  if (mask_in.defined()) {
    ATTN_CHECK(mask_in.dtype() == DType::kF32, "attention: mask must be float32, got {}",
               dtype_name(mask_in.dtype()));
    const Tensor mask = mask_in.contiguous();
    const std::array<int64_t, 3> ms = mask_strides(mask, {b, h, t, s});
    const float* pm = mask.data();
    parallel_for(
        batch * t,
        [&](int64_t begin, int64_t end) {
          for (int64_t row = begin; row < end; ++row) {
            const int64_t bi = row / (h * t), hi = row / t % h, ti = row % t;
            softmax_row(p + row * s, pm + bi * ms[0] + hi * ms[1] + ti * ms[2], p + row * s, s);
          }
        },
        std::max<int64_t>(1, 4096 / std::max<int64_t>(s, 1)));
  } else {
    softmax_rows(p, nullptr, p, batch * t, s);
  }
  Tensor out_value = Tensor::empty({b, h, t, f});
  gemm_strided_batched(false, false, t, f, s, 1.0f, p, s, t * s, v_data, f, v_stride, 0.0f,
                       out_value.data(), f, t * f, batch);
  if (weights) *weights = probs;

  Var out(out_value, needs_grad(q_var, k_var, v_var));
  if (out.requires_grad()) {
    tape().record([q_var, k_var, v_var, out, q, k, v, probs, batch, t, s, e, f, scale, k_stride,
                   v_stride]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();  // [batch, T, F]
      const float* p = probs.data();
      // A gradient still zero is written (beta 0), not zero-filled and then added to.
      bool accumulate = false;
      if (v_var.requires_grad()) {
        float* gv = v_var.grad_to_write(accumulate).data();
        gemm_strided_batched(true, false, s, f, t, 1.0f, p, s, t * s, g, f, t * f,
                             accumulate ? 1.0f : 0.0f, gv, f, s * f, batch);
      }
      if (!q_var.requires_grad() && !k_var.requires_grad()) return;
      Tensor d_probs = Tensor::empty({batch, t, s});
      gemm_strided_batched(false, true, t, s, f, 1.0f, g, f, t * f, v.strided_data(), f, v_stride, 0.0f,
                           d_probs.data(), s, t * s, batch);
      Tensor d_scores = Tensor::zeros({batch, t, s});
      softmax_backward_rows(p, d_probs.data(), d_scores.data(), batch * t, s);
      const float* dz = d_scores.data();
      if (q_var.requires_grad()) {
        float* gq = q_var.grad_to_write(accumulate).data();
        gemm_strided_batched(false, false, t, e, s, scale, dz, s, t * s, k.strided_data(), e,
                             k_stride, accumulate ? 1.0f : 0.0f, gq, e, t * e, batch);
      }
      if (k_var.requires_grad()) {
        float* gk = k_var.grad_to_write(accumulate).data();
        gemm_strided_batched(true, false, s, e, t, scale, dz, s, t * s, q.data(), e, t * e,
                             accumulate ? 1.0f : 0.0f, gk, e, s * e, batch);
      }
    });
  }
  return out;
}

}  // namespace attn
