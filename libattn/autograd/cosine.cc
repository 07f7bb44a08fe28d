#include "libattn/autograd/cosine.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

// For every output element (a broadcast combination of leading indices), the offset of the
// a row and of the b row it reads.
struct RowPairs {
  Shape out_shape;
  std::vector<int64_t> a_row, b_row;
};

RowPairs broadcast_rows(const Shape& a_shape, const Shape& b_shape) {
  const int a_lead = static_cast<int>(a_shape.size()) - 1;
  const int b_lead = static_cast<int>(b_shape.size()) - 1;
  const int rank = std::max(a_lead, b_lead);
  Shape a_dims(rank, 1), b_dims(rank, 1);
  std::copy(a_shape.begin(), a_shape.end() - 1, a_dims.begin() + (rank - a_lead));
  std::copy(b_shape.begin(), b_shape.end() - 1, b_dims.begin() + (rank - b_lead));
  RowPairs pairs;
  pairs.out_shape.resize(rank);
  for (int i = 0; i < rank; ++i) {
    ATTN_CHECK(a_dims[i] == b_dims[i] || a_dims[i] == 1 || b_dims[i] == 1,
               "cosine_similarity: leading dims of {} and {} do not broadcast", shape_str(a_shape),
               shape_str(b_shape));
    pairs.out_shape[i] = std::max(a_dims[i], b_dims[i]);
  }
  // Row strides (in rows, not floats) with 0 on stretched dims.
  std::vector<int64_t> a_stride(rank, 0), b_stride(rank, 0);
  for (int64_t i = rank - 1, sa = 1, sb = 1; i >= 0; --i) {
    if (a_dims[i] != 1) a_stride[i] = sa;
    if (b_dims[i] != 1) b_stride[i] = sb;
    sa *= a_dims[i];
    sb *= b_dims[i];
  }
  const int64_t count = shape_numel(pairs.out_shape);
  pairs.a_row.resize(count);
  pairs.b_row.resize(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t ra = 0, rb = 0;
    for (int i = 0; i < rank; ++i) ra += index[i] * a_stride[i], rb += index[i] * b_stride[i];
    pairs.a_row[n] = ra;
    pairs.b_row[n] = rb;
    for (int i = rank - 1; i >= 0 && ++index[i] == pairs.out_shape[i]; --i) index[i] = 0;
  }
  return pairs;
}

double norm(const float* x, int64_t d) {
  double s = 0;
  for (int64_t i = 0; i < d; ++i) s += double(x[i]) * x[i];
  return std::sqrt(s);
}

}  // namespace

// With na = max(|a|, eps), nb = max(|b|, eps) and c = a·b / (na nb):
//   dc/da = b / (na nb) - c a / |a|²   (the second term only while |a| > eps, where na = |a|)
// and symmetrically for b.
Var cosine_similarity(const Var& a_var, const Var& b_var, float eps) {
  const Tensor a = a_var.value().contiguous();
  const Tensor b = b_var.value().contiguous();
  ATTN_CHECK(a.rank() >= 1 && b.rank() >= 1 && a.dim(-1) == b.dim(-1),
             "cosine_similarity: last dims differ: {} vs {}", shape_str(a.shape()),
             shape_str(b.shape()));
  const int64_t d = a.dim(-1);
  RowPairs pairs = broadcast_rows(a.shape(), b.shape());
  const int64_t count = static_cast<int64_t>(pairs.a_row.size());
  Tensor out_value = Tensor::empty(pairs.out_shape);
  const float* pa = a.data();
  const float* pb = b.data();
  for (int64_t n = 0; n < count; ++n) {
    const float* x = pa + pairs.a_row[n] * d;
    const float* y = pb + pairs.b_row[n] * d;
    double dot = 0;
    for (int64_t i = 0; i < d; ++i) dot += double(x[i]) * y[i];
    out_value[n] = static_cast<float>(
        dot / (std::max<double>(norm(x, d), eps) * std::max<double>(norm(y, d), eps)));
  }

  Var out(out_value, needs_grad(a_var, b_var));
  if (out.requires_grad()) {
    tape().record([a_var, b_var, out, a, b, pairs = std::move(pairs), d, count, eps]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      const float* c = out.value().data();
      float* ga = a_var.requires_grad() ? a_var.grad().data() : nullptr;
      float* gb = b_var.requires_grad() ? b_var.grad().data() : nullptr;
      for (int64_t n = 0; n < count; ++n) {
        const float* x = a.data() + pairs.a_row[n] * d;
        const float* y = b.data() + pairs.b_row[n] * d;
        const double abs_x = norm(x, d), abs_y = norm(y, d);
        const double nx = std::max<double>(abs_x, eps), ny = std::max<double>(abs_y, eps);
        const double cross = g[n] / (nx * ny);
        const double self_x = abs_x > eps ? g[n] * c[n] / (abs_x * abs_x) : 0.0;
        const double self_y = abs_y > eps ? g[n] * c[n] / (abs_y * abs_y) : 0.0;
        if (ga) {
          float* gx = ga + pairs.a_row[n] * d;
          for (int64_t i = 0; i < d; ++i) gx[i] += static_cast<float>(cross * y[i] - self_x * x[i]);
        }
        if (gb) {
          float* gy = gb + pairs.b_row[n] * d;
          for (int64_t i = 0; i < d; ++i) gy[i] += static_cast<float>(cross * x[i] - self_y * y[i]);
        }
      }
    });
  }
  return out;
}

}  // namespace attn
