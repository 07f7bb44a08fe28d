// Axis helpers shared by the reductions and shape ops: negative axes count from the end,
// and a tensor seen along one axis is [outer, size, inner] in row-major memory.
//
//   int axis = normalize_axis(-1, x.rank(), "sum");
//   AxisSplit s = split_at_axis(x.shape(), axis);   // x[o, j, i] at (o * s.size + j) * s.inner + i
#pragma once

#include <cstdint>

#include "libattn/core/error.h"
#include "libattn/core/tensor.h"

namespace attn {

inline int normalize_axis(int axis, int rank, const char* op) {
  const int resolved = axis < 0 ? axis + rank : axis;
  ATTN_CHECK(resolved >= 0 && resolved < rank, "{}: axis {} out of range for rank {}", op, axis,
             rank);
  return resolved;
}

struct AxisSplit {
  int64_t outer, size, inner;
};

inline AxisSplit split_at_axis(const Shape& shape, int axis) {
  AxisSplit s{1, shape[axis], 1};
  for (int d = 0; d < axis; ++d) s.outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

}  // namespace attn
