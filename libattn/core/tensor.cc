#include "libattn/core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <numeric>

#include "libattn/core/allocation_budget.h"
#include "libattn/core/arena.h"
#include "libattn/core/error.h"

namespace attn {

const char* dtype_name(DType dtype) { return dtype == DType::kF32 ? "f32" : "i32"; }

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

static Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

Tensor Tensor::allocate(const Shape& shape, DType dtype, bool force_heap) {
  for (int64_t d : shape) ATTN_CHECK(d >= 0, "tensor shape {} has a negative size", shape_str(shape));
  Arena* arena = force_heap ? nullptr : current_arena();
  if (!arena) AllocationBudget::charge(shape);
  Tensor t;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  size_t bytes = static_cast<size_t>(std::max<int64_t>(shape_numel(shape), 1)) * 4;
  if (arena) {
    t.owner_ = arena->allocate(bytes);
    t.base_ = static_cast<std::byte*>(t.owner_.get());
    t.in_arena_ = true;
  } else {
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    t.owner_ = std::shared_ptr<void>(p, std::free);
    t.base_ = static_cast<std::byte*>(p);
  }
  return t;
}

Tensor Tensor::empty(const Shape& shape, DType dtype) { return allocate(shape, dtype, false); }
Tensor Tensor::empty_heap(const Shape& shape, DType dtype) { return allocate(shape, dtype, true); }

Tensor Tensor::wrap(const Shape& shape, DType dtype, void* data, std::shared_ptr<void> owner) {
  ATTN_CHECK(reinterpret_cast<uintptr_t>(data) % 64 == 0, "Tensor::wrap: data is not 64-byte aligned");
  Tensor t;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  t.base_ = static_cast<std::byte*>(data);
  t.owner_ = std::move(owner);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.base_, 0, t.numel() * 4);
  return t;
}

Tensor Tensor::zeros_heap(const Shape& shape, DType dtype) {
  Tensor t = empty_heap(shape, dtype);
  std::memset(t.base_, 0, t.numel() * 4);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from(const Shape& shape, const std::vector<float>& values) {
  ATTN_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()),
             "Tensor::from: shape {} needs {} values, got {}", shape_str(shape), shape_numel(shape),
             values.size());
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor Tensor::from_ints(const Shape& shape, const std::vector<int32_t>& values) {
  ATTN_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()),
             "Tensor::from_ints: shape {} needs {} values, got {}", shape_str(shape),
             shape_numel(shape), values.size());
  Tensor t = empty(shape, DType::kI32);
  std::copy(values.begin(), values.end(), t.ints());
  return t;
}

int64_t Tensor::dim(int axis) const {
  int r = rank();
  if (axis < 0) axis += r;
  ATTN_CHECK(axis >= 0 && axis < r, "axis {} out of range for shape {}", axis, shape_str(shape_));
  return shape_[axis];
}

bool Tensor::is_contiguous() const {
  int64_t stride = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != stride) return false;
    stride *= shape_[i];
  }
  return true;
}

void* Tensor::raw() const { return base_ + offset_ * 4; }

float* Tensor::data() {
  ATTN_CHECK(dtype_ == DType::kF32, "expected an f32 tensor, got {}", dtype_name(dtype_));
  ATTN_CHECK(is_contiguous(), "data() needs a contiguous tensor; call contiguous() first");
  return static_cast<float*>(raw());
}
const float* Tensor::data() const { return const_cast<Tensor*>(this)->data(); }

int32_t* Tensor::ints() {
  ATTN_CHECK(dtype_ == DType::kI32, "expected an i32 tensor, got {}", dtype_name(dtype_));
  ATTN_CHECK(is_contiguous(), "ints() needs a contiguous tensor; call contiguous() first");
  return static_cast<int32_t*>(raw());
}
const int32_t* Tensor::ints() const { return const_cast<Tensor*>(this)->ints(); }

const float* Tensor::strided_data() const {
  ATTN_CHECK(dtype_ == DType::kF32, "expected an f32 tensor, got {}", dtype_name(dtype_));
  return static_cast<const float*>(raw());
}

float Tensor::item() const {
  ATTN_CHECK(numel() == 1, "item() needs one element, shape is {}", shape_str(shape_));
  return *static_cast<const float*>(raw());
}

Tensor Tensor::view(const Shape& shape) const {
  ATTN_CHECK(is_contiguous(), "view() needs a contiguous tensor");
  Shape resolved = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < resolved.size(); ++i) {
    if (resolved[i] == -1) {
      ATTN_CHECK(infer < 0, "view(): only one dimension may be -1");
      infer = static_cast<int>(i);
    } else {
      known *= resolved[i];
    }
  }
  if (infer >= 0) resolved[infer] = known == 0 ? 0 : numel() / known;
  ATTN_CHECK(shape_numel(resolved) == numel(), "view(): cannot view {} as {}", shape_str(shape_),
             shape_str(shape));
  Tensor t = *this;
  t.shape_ = resolved;
  t.strides_ = contiguous_strides(resolved);
  return t;
}

Tensor Tensor::transpose(int a, int b) const {
  int r = rank();
  if (a < 0) a += r;
  if (b < 0) b += r;
  ATTN_CHECK(a >= 0 && a < r && b >= 0 && b < r, "transpose({}, {}) out of range for {}", a, b,
             shape_str(shape_));
  Tensor t = *this;
  std::swap(t.shape_[a], t.shape_[b]);
  std::swap(t.strides_[a], t.strides_[b]);
  return t;
}

Tensor Tensor::permute(const std::vector<int>& order) const {
  ATTN_CHECK(static_cast<int>(order.size()) == rank(), "permute: {} axes for a rank-{} tensor",
             order.size(), rank());
  Tensor t = *this;
  std::vector<bool> seen(rank(), false);
  for (int i = 0; i < rank(); ++i) {
    ATTN_CHECK(order[i] >= 0 && order[i] < rank() && !seen[order[i]], "permute: bad axis order");
    seen[order[i]] = true;
    t.shape_[i] = shape_[order[i]];
    t.strides_[i] = strides_[order[i]];
  }
  return t;
}

Tensor Tensor::slice(int axis, int64_t begin, int64_t end) const {
  if (axis < 0) axis += rank();
  ATTN_CHECK(axis >= 0 && axis < rank(), "slice: axis out of range");
  ATTN_CHECK(0 <= begin && begin <= end && end <= shape_[axis], "slice [{}, {}) out of range 0..{}",
             begin, end, shape_[axis]);
  Tensor t = *this;
  t.offset_ += begin * strides_[axis];
  t.shape_[axis] = end - begin;
  return t;
}

Tensor Tensor::select(int axis, int64_t index) const {
  if (axis < 0) axis += rank();
  Tensor t = slice(axis, index, index + 1);
  t.shape_.erase(t.shape_.begin() + axis);
  t.strides_.erase(t.strides_.begin() + axis);
  return t;
}

// Copies element by element in row-major order of `shape`; the innermost axis is a tight
// loop so the common case (inner stride 1) vectorises.
static void strided_copy(const uint32_t* src, const Shape& src_strides, uint32_t* dst,
                         const Shape& dst_strides, const Shape& shape) {
  int r = static_cast<int>(shape.size());
  if (r == 0) {
    *dst = *src;
    return;
  }
  if (shape_numel(shape) == 0) return;
  std::vector<int64_t> index(r, 0);
  int64_t inner = shape[r - 1], s_in = src_strides[r - 1], d_in = dst_strides[r - 1];
  int64_t outer = shape_numel(shape) / inner;
  for (int64_t o = 0; o < outer; ++o) {
    int64_t s_off = 0, d_off = 0;
    for (int i = 0; i < r - 1; ++i) {
      s_off += index[i] * src_strides[i];
      d_off += index[i] * dst_strides[i];
    }
    const uint32_t* s = src + s_off;
    uint32_t* d = dst + d_off;
    if (s_in == 1 && d_in == 1) {
      std::memcpy(d, s, inner * 4);
    } else {
      for (int64_t j = 0; j < inner; ++j) d[j * d_in] = s[j * s_in];
    }
    for (int i = r - 2; i >= 0; --i) {
      if (++index[i] < shape[i]) break;
      index[i] = 0;
    }
  }
}

void Tensor::copy_from(const Tensor& src) {
  ATTN_CHECK(src.shape_ == shape_, "copy_from: shape {} into {}", shape_str(src.shape_),
             shape_str(shape_));
  ATTN_CHECK(src.dtype_ == dtype_, "copy_from: dtype {} into {}", dtype_name(src.dtype_),
             dtype_name(dtype_));
  strided_copy(static_cast<const uint32_t*>(src.raw()), src.strides_,
               static_cast<uint32_t*>(raw()), strides_, shape_);
}

Tensor Tensor::gather_rows(const std::vector<int32_t>& rows) const {
  Tensor source = contiguous();
  Shape shape = shape_;
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = empty_heap(shape, dtype_);
  const int64_t row_bytes = (shape_[0] == 0 ? 0 : numel() / shape_[0]) * 4;
  for (size_t r = 0; r < rows.size(); ++r) {
    ATTN_CHECK(rows[r] >= 0 && rows[r] < shape_[0], "gather_rows: row {} of {}", rows[r], shape_[0]);
    std::memcpy(static_cast<std::byte*>(out.raw()) + r * row_bytes,
                static_cast<const std::byte*>(source.raw()) + rows[r] * row_bytes, row_bytes);
  }
  return out;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::clone_heap() const {
  Tensor t = empty_heap(shape_, dtype_);
  t.copy_from(*this);
  return t;
}

void Tensor::fill(float value) {
  float* p = data();
  std::fill(p, p + numel(), value);
}

std::vector<float> Tensor::to_vector() const {
  Tensor c = contiguous();
  const float* p = c.data();
  return std::vector<float>(p, p + c.numel());
}

}  // namespace attn
