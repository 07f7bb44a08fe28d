#include "libattn/autograd/matmul.h"

#include "libattn/autograd/int8_weights.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/kernels/gemm.h"

namespace attn {

namespace {

// Rows and columns of the last two axes, everything before folded into `batch`.
struct MatrixView {
  int64_t batch, rows, cols;
};

MatrixView as_matrices(const Tensor& t) {
  ATTN_CHECK(t.rank() >= 2, "matrix operand needs rank >= 2, got {}", shape_str(t.shape()));
  return {t.numel() / (t.dim(-1) * t.dim(-2) == 0 ? 1 : t.dim(-1) * t.dim(-2)), t.dim(-2),
          t.dim(-1)};
}

}  // namespace

// Forward C = op(A) op(B). Backward, with G = dC:
//   dA = G op(B)^T (or its transpose when A was transposed), dB likewise.
Var matmul(const Var& a_var, const Var& b_var, bool trans_a, bool trans_b) {
  const Tensor a = a_var.value().contiguous();
  const Tensor b = b_var.value().contiguous();
  ATTN_CHECK(b.rank() == 2, "matmul: right operand must be 2-D, got {}", shape_str(b.shape()));
  ATTN_CHECK(!(trans_a && a.rank() != 2), "matmul: a transposed left operand must be 2-D");
  const int64_t a_cols = a.dim(-1);
  const int64_t a_rows = a.numel() / std::max<int64_t>(a_cols, 1);
  const int64_t m = trans_a ? a_cols : a_rows, k = trans_a ? a_rows : a_cols;
  const int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
  ATTN_CHECK(k == kb, "matmul: inner sizes differ: {}{} vs {}{}", shape_str(a.shape()),
             trans_a ? "^T" : "", shape_str(b.shape()), trans_b ? "^T" : "");
  Shape out_shape = a.shape();
  if (trans_a) out_shape = {m, n};
  else out_shape.back() = n;
  Tensor c = Tensor::empty(out_shape);
  const bool grad = needs_grad(a_var, b_var);
  // x W^T by a weight that has an int8 copy (autograd/int8_weights.h): inference only.
  const Int8Matrix* int8 = !grad && !trans_a && trans_b ? int8_weight(b.data(), n, k) : nullptr;
  if (int8) {
    matmul_int8(m, a.data(), a_cols, *int8, c.data(), n);
    return Var(c, false);
  }
  gemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), a_cols, b.data(), b.dim(1), 0.0f, c.data(), n);

  Var out(c, grad);
  if (out.requires_grad()) {
    tape().record([a_var, b_var, out, a, b, trans_a, trans_b, m, n, k, a_cols]() mutable {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();  // [m, n]
      // A gradient still zero is written (beta 0), not zero-filled and then added to.
      bool accumulate = false;
      if (a_var.requires_grad()) {
        float* ga = a_var.grad_to_write(accumulate).data();
        const float beta = accumulate ? 1.0f : 0.0f;
        if (!trans_a)  // dA[m,k] = G[m,n] op(B)^T
          gemm(false, !trans_b, m, k, n, 1.0f, g, n, b.data(), b.dim(1), beta, ga, a_cols);
        else  // A stored [k,m]: dA = op(B) G^T
          gemm(trans_b, true, k, m, n, 1.0f, b.data(), b.dim(1), g, n, beta, ga, a_cols);
      }
      if (b_var.requires_grad()) {
        float* gb = b_var.grad_to_write(accumulate).data();
        const float beta = accumulate ? 1.0f : 0.0f;
        if (!trans_b)  // dB[k,n] = op(A)^T G
          gemm(!trans_a, false, k, n, m, 1.0f, a.data(), a_cols, g, n, beta, gb, n);
        else  // B stored [n,k]: dB = G^T op(A)
          gemm(true, trans_a, n, k, m, 1.0f, g, n, a.data(), a_cols, beta, gb, k);
      }
    });
  }
  return out;
}

Var batched_matmul(const Var& a_var, const Var& b_var, bool trans_a, bool trans_b) {
  const Tensor a = a_var.value().contiguous();
  const Tensor b = b_var.value().contiguous();
  MatrixView av = as_matrices(a), bv = as_matrices(b);
  ATTN_CHECK(av.batch == bv.batch, "batched_matmul: batch sizes differ: {} vs {}",
             shape_str(a.shape()), shape_str(b.shape()));
  const int64_t m = trans_a ? av.cols : av.rows, k = trans_a ? av.rows : av.cols;
  const int64_t kb = trans_b ? bv.cols : bv.rows, n = trans_b ? bv.rows : bv.cols;
  ATTN_CHECK(k == kb, "batched_matmul: inner sizes differ: {}{} vs {}{}", shape_str(a.shape()),
             trans_a ? "^T" : "", shape_str(b.shape()), trans_b ? "^T" : "");
  Shape out_shape = a.shape();
  out_shape[out_shape.size() - 2] = m;
  out_shape.back() = n;
  Tensor c = Tensor::empty(out_shape);
  const int64_t batch = av.batch, sa = av.rows * av.cols, sb = bv.rows * bv.cols, sc = m * n;
  gemm_strided_batched(trans_a, trans_b, m, n, k, 1.0f, a.data(), av.cols, sa, b.data(), bv.cols,
                       sb, 0.0f, c.data(), n, sc, batch);

  Var out(c, needs_grad(a_var, b_var));
  if (out.requires_grad()) {
    tape().record([=]() mutable {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      bool accumulate = false;  // as in matmul: a gradient still zero is written
      if (a_var.requires_grad()) {
        float* ga = a_var.grad_to_write(accumulate).data();
        const float beta = accumulate ? 1.0f : 0.0f;
        if (!trans_a)
          gemm_strided_batched(false, !trans_b, m, k, n, 1.0f, g, n, sc, b.data(), bv.cols, sb,
                               beta, ga, av.cols, sa, batch);
        else
          gemm_strided_batched(trans_b, true, k, m, n, 1.0f, b.data(), bv.cols, sb, g, n, sc, beta,
                               ga, av.cols, sa, batch);
      }
      if (b_var.requires_grad()) {
        float* gb = b_var.grad_to_write(accumulate).data();
        const float beta = accumulate ? 1.0f : 0.0f;
        if (!trans_b)
          gemm_strided_batched(!trans_a, false, k, n, m, 1.0f, a.data(), av.cols, sa, g, n, sc,
                               beta, gb, bv.cols, sb, batch);
        else
          gemm_strided_batched(true, trans_a, n, k, m, 1.0f, g, n, sc, a.data(), av.cols, sa, beta,
                               gb, bv.cols, sb, batch);
      }
    });
  }
  return out;
}

}  // namespace attn
