#include "libattn/autograd/embedding.h"

#include <cstring>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

void check_ids(const Tensor& ids, const char* op) {
  ATTN_CHECK(ids.dtype() == DType::kI32, "{}: indices must be int32, got {}", op,
             dtype_name(ids.dtype()));
}

}  // namespace

// Forward copies row ids[i] of the table; backward adds output row i back into that row,
// so a token seen twice in the batch collects both gradients.
Var embedding(const Var& table_var, const Tensor& ids_in) {
  check_ids(ids_in, "embedding");
  const Tensor table = table_var.value().contiguous();
  const Tensor ids = ids_in.contiguous();
  ATTN_CHECK(table.rank() == 2, "embedding: table must be [V, D], got {}",
             shape_str(table.shape()));
  const int64_t vocab = table.dim(0), width = table.dim(1), count = ids.numel();
  const int32_t* id = ids.ints();
  for (int64_t i = 0; i < count; ++i)
    ATTN_CHECK(id[i] >= 0 && id[i] < vocab, "embedding: id {} at position {} is outside [0, {})",
               id[i], i, vocab);
  Shape out_shape = ids.shape();
  out_shape.push_back(width);
  Tensor out_value = Tensor::empty(out_shape);
  const float* rows = table.data();
  float* dst = out_value.data();
  for (int64_t i = 0; i < count; ++i)
    std::memcpy(dst + i * width, rows + id[i] * width, width * sizeof(float));

  Var out(out_value, needs_grad(table_var));
  if (out.requires_grad()) {
    tape().record([table_var, out, ids, count, width]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      float* gt = table_var.grad().data();
      const int32_t* id = ids.ints();
      for (int64_t i = 0; i < count; ++i) {
        float* row = gt + id[i] * width;
        const float* gi = g + i * width;
        for (int64_t d = 0; d < width; ++d) row[d] += gi[d];
      }
    });
  }
  return out;
}

Var gather(const Var& x_var, const Tensor& index_in) {
  check_ids(index_in, "gather");
  const Tensor x = x_var.value().contiguous();
  const Tensor index = index_in.contiguous();
  ATTN_CHECK(x.rank() >= 1 && index.rank() == x.rank(),
             "gather: index {} must have the rank of x {}", shape_str(index.shape()),
             shape_str(x.shape()));
  for (int axis = 0; axis + 1 < x.rank(); ++axis)
    ATTN_CHECK(index.dim(axis) == x.dim(axis), "gather: leading dims differ: x {} vs index {}",
               shape_str(x.shape()), shape_str(index.shape()));
  const int64_t n = x.dim(-1), m = index.dim(-1);
  const int64_t rows = m == 0 ? 0 : index.numel() / m;
  const int32_t* idx = index.ints();
  for (int64_t i = 0; i < index.numel(); ++i)
    ATTN_CHECK(idx[i] >= 0 && idx[i] < n, "gather: index {} at position {} is outside [0, {})",
               idx[i], i, n);
  Tensor out_value = Tensor::empty(index.shape());
  const float* src = x.data();
  float* dst = out_value.data();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < m; ++j) dst[r * m + j] = src[r * n + idx[r * m + j]];

  Var out(out_value, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, index, rows, n, m]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      float* gx = x_var.grad().data();
      const int32_t* idx = index.ints();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < m; ++j) gx[r * n + idx[r * m + j]] += g[r * m + j];
    });
  }
  return out;
}

}  // namespace attn
