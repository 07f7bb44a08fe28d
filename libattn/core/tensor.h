// Tensor: float32 (or int32 for token ids), row-major, shape + strides.
//
//   Tensor x = Tensor::zeros({B, T, D});          // heap, or the current arena
//   Tensor y = x.transpose(1, 2);                  // a strided view, no copy: [B, D, T]
//   Tensor z = y.contiguous();                     // copies only when it must
//   float* p = z.data();                           // raw pointer for the kernels
//
// Storage is 64-byte aligned and reference-counted: views and copies share it, and the last
// one gone frees it. Outside an ArenaScope it comes from the heap; inside one from the
// arena, which takes it back for the next tensor of its size.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace attn {

enum class DType : uint8_t { kF32 = 0, kI32 = 1 };
const char* dtype_name(DType dtype);

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& shape);
int64_t shape_numel(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape, DType dtype = DType::kF32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::kF32);
  static Tensor full(const Shape& shape, float value);
  static Tensor from(const Shape& shape, const std::vector<float>& values);
  static Tensor from_ints(const Shape& shape, const std::vector<int32_t>& values);
  // Heap storage even inside an ArenaScope: parameters, optimizer state, caches.
  static Tensor empty_heap(const Shape& shape, DType dtype = DType::kF32);
  static Tensor zeros_heap(const Shape& shape, DType dtype = DType::kF32);
  // Memory owned elsewhere (a mapped model file): `owner` keeps it alive. The memory must be
  // 64-byte aligned; it may be read-only, so only read such a tensor.
  static Tensor wrap(const Shape& shape, DType dtype, void* data, std::shared_ptr<void> owner);

  bool defined() const { return base_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const;  // negative axes count from the end
  int64_t numel() const { return shape_numel(shape_); }
  bool is_contiguous() const;
  // Storage that outlives the step: the heap or memory owned elsewhere, not an arena.
  bool on_heap() const { return owner_ != nullptr && !in_arena_; }

  // Checked accessors: throw when the dtype differs or the view is not contiguous.
  float* data();
  const float* data() const;
  int32_t* ints();
  const int32_t* ints() const;
  // Element access by flat row-major index of a contiguous tensor (tests, small loops).
  float& operator[](int64_t i) { return data()[i]; }
  float operator[](int64_t i) const { return data()[i]; }
  float item() const;
  // The first element of any f32 view, contiguous or not: for kernels that take strides.
  const float* strided_data() const;

  // Views share storage.
  Tensor view(const Shape& shape) const;  // contiguous only; one dim may be -1
  Tensor transpose(int a, int b) const;
  Tensor permute(const std::vector<int>& order) const;
  Tensor slice(int axis, int64_t begin, int64_t end) const;
  Tensor select(int axis, int64_t index) const;  // drops the axis

  // A heap copy holding rows[i] of axis 0 as its row i (rows may repeat): beams' caches
  // following their hypotheses.
  Tensor gather_rows(const std::vector<int32_t>& rows) const;

  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy (heap or arena as empty())
  Tensor clone_heap() const;
  void copy_from(const Tensor& src);  // same shape; handles strided views on both sides
  void fill(float value);
  std::vector<float> to_vector() const;

 private:
  std::shared_ptr<void> owner_;  // frees the storage (or returns it to its arena)
  std::byte* base_ = nullptr;
  int64_t offset_ = 0;  // in elements
  Shape shape_;
  Shape strides_;
  DType dtype_ = DType::kF32;
  bool in_arena_ = false;

  static Tensor allocate(const Shape& shape, DType dtype, bool force_heap);
  void* raw() const;
};

}  // namespace attn
