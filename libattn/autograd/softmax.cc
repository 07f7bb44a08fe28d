#include "libattn/autograd/softmax.h"

#include <algorithm>
#include <vector>

#include "libattn/autograd/broadcast.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/softmax.h"

namespace attn {

namespace {

struct Rows {
  int64_t rows, cols;
};

Rows as_rows(const Tensor& x, const char* op) {
  ATTN_CHECK(x.rank() >= 1, "{}: needs rank >= 1, got a scalar", op);
  const int64_t cols = x.dim(-1);
  return {cols == 0 ? 0 : x.numel() / cols, cols};
}

// Records dx += softmax_backward(y, dy), shared by softmax and masked_softmax: the mask is a
// constant, so the Jacobian is the plain softmax one (zero on masked positions, where y = 0).
void record_softmax_backward(const Var& x_var, const Var& out, const Tensor& y, Rows r) {
  tape().record([x_var, out, y, r]() {
    if (!out.has_grad()) return;
    softmax_backward_rows(y.data(), out.grad().data(), x_var.grad().data(), r.rows, r.cols);
  });
}

}  // namespace

Var softmax(const Var& x_var) {
  const Tensor x = x_var.value().contiguous();
  const Rows r = as_rows(x, "softmax");
  Tensor y = Tensor::empty(x.shape());
  softmax_rows(x.data(), nullptr, y.data(), r.rows, r.cols);
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) record_softmax_backward(x_var, out, y, r);
  return out;
}

Var log_softmax(const Var& x_var) {
  const Tensor x = x_var.value().contiguous();
  const Rows r = as_rows(x, "log_softmax");
  Tensor y = Tensor::empty(x.shape());
  log_softmax_rows(x.data(), y.data(), r.rows, r.cols);
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, y, r]() {
      if (!out.has_grad()) return;
      log_softmax_backward_rows(y.data(), out.grad().data(), x_var.grad().data(), r.rows, r.cols);
    });
  }
  return out;
}

Var masked_softmax(const Var& x_var, const Tensor& mask_in) {
  const Tensor x = x_var.value().contiguous();
  const Rows r = as_rows(x, "masked_softmax");
  ATTN_CHECK(BroadcastPlan(x.shape(), mask_in.shape()).out_shape() == x.shape(),
             "masked_softmax: mask {} does not broadcast to scores {}", shape_str(mask_in.shape()),
             shape_str(x.shape()));
  // A mask stretched along the last axis is rare; expand it so every row has its own run
  // of `cols` mask values, then find each score row's mask row without copying the rest.
  Tensor mask = mask_in.contiguous();
  if (mask.rank() == 0 || mask.dim(-1) != r.cols) mask = broadcast_to(mask, x.shape());
  Tensor y = Tensor::empty(x.shape());
  if (mask.shape() == x.shape()) {
    softmax_rows(x.data(), mask.data(), y.data(), r.rows, r.cols);
  } else {
    const Shape x_lead(x.shape().begin(), x.shape().end() - 1);
    const Shape mask_lead(mask.shape().begin(), mask.shape().end() - 1);
    std::vector<int64_t> mask_row(r.rows);
    BroadcastPlan(x_lead, mask_lead).for_each([&](int64_t i, int64_t, int64_t im) {
      mask_row[i] = im;
    });
    const float* px = x.data();
    const float* pm = mask.data();
    float* py = y.data();
    const int64_t cols = r.cols;
    parallel_for(
        r.rows,
        [&](int64_t begin, int64_t end) {
          for (int64_t row = begin; row < end; ++row)
            softmax_row(px + row * cols, pm + mask_row[row] * cols, py + row * cols, cols);
        },
        std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)));
  }
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) record_softmax_backward(x_var, out, y, r);
  return out;
}

}  // namespace attn
