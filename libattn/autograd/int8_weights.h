// Weight matrices decoded in int8 (issue 11): an int8 copy of an fp32 weight, found by the
// weight's storage address when matmul(x, W, false, true) runs without gradients, so every
// layer that multiplies by a weight (Linear, GRU/LSTM cells, attention scorers, the output
// projection, tied or not) takes the int8 path without knowing it. Embedding lookups,
// layer norms and biases read the fp32 tensors and stay fp32.
//
//   Int8Weights int8;                       // registered while it lives
//   int8.add(linear.weight.value());        // quantized per output row, once
//   matmul(x, linear.weight, false, true);  // -> matmul_int8 (kernels/gemm_int8.h)
//
// Registration happens at load, before decoding; while decoding the table is only read
// (no lock on the hot path). An Int8Weights holds a handle on each weight it registered, so
// the address stays taken while the entry exists, and destroying it removes its entries: a
// later tensor at a reused address is never mistaken for a quantized one.
//
// A matrix read from an int8 file for int8 decoding exists only as its int8 copy
// (models/parameter_io.h, BindMode::kMapInt8): its f32 parameter is int8_stand_in(shape),
// a tensor with an address and a shape but no memory behind them.
#pragma once

#include <memory>
#include <vector>

#include "libattn/core/tensor.h"
#include "libattn/kernels/gemm_int8.h"

namespace attn {

class Int8Weights {
 public:
  Int8Weights() = default;
  Int8Weights(const Int8Weights&) = delete;
  Int8Weights& operator=(const Int8Weights&) = delete;
  ~Int8Weights();

  // weight: a contiguous f32 [out, in] tensor.
  void add(const Tensor& weight);
  // An int8 matrix read from a file for the fp32 tensor `weight` (its dequantized copy).
  void add(const Tensor& weight, Int8Matrix quantized);
  int64_t count() const { return static_cast<int64_t>(weights_.size()); }
  int64_t bytes() const;  // int8 values + scales held

 private:
  std::vector<Tensor> weights_;  // keep each key's address taken while it is registered
  std::vector<std::shared_ptr<const Int8Matrix>> matrices_;
};

// The int8 copy registered for the [rows, cols] fp32 matrix at `data`, or null.
const Int8Matrix* int8_weight(const float* data, int64_t rows, int64_t cols);
inline const Int8Matrix* int8_weight(const Tensor& weight) {
  return weight.rank() == 2 ? int8_weight(weight.data(), weight.dim(0), weight.dim(1)) : nullptr;
}

// An f32 tensor of `shape` whose storage is address space only (pages mapped PROT_NONE, so
// no memory): the parameter of a weight that lives as its int8 copy. Reading it faults at
// once, rather than decoding with garbage, should anything but the int8 product touch it.
Tensor int8_stand_in(const Shape& shape);

}  // namespace attn
