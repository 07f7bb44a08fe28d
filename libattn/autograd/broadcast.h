// NumPy broadcasting for the binary ops: the output shape and, for every output element,
// which element of each operand it reads. Backward passes walk the same plan and
// accumulate into the operand's index, which sums the gradient over the stretched dims.
//
//   BroadcastPlan plan(a.shape(), b.shape());   // throws when the shapes do not broadcast
//   Tensor y = Tensor::empty(plan.out_shape());
//   plan.for_each([&](int64_t i, int64_t ia, int64_t ib) { py[i] = pa[ia] + pb[ib]; });
//
// The common layouts get tight loops the compiler vectorises (same shape, one operand a
// scalar, one operand a trailing "bias" block repeated over leading rows); anything else
// takes an odometer walk over the output with per-operand strides (0 on stretched dims).
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

class BroadcastPlan {
 public:
  BroadcastPlan(const Shape& a, const Shape& b);

  const Shape& out_shape() const { return out_shape_; }
  int64_t numel() const { return numel_; }

  // Calls f(i, ia, ib) for every output element i, in increasing i.
  template <typename F>
  void for_each(F&& f) const {
    switch (kind_) {
      case Kind::kSame:
        for (int64_t i = 0; i < numel_; ++i) f(i, i, i);
        break;
      case Kind::kScalarB:
        for (int64_t i = 0; i < numel_; ++i) f(i, i, int64_t{0});
        break;
      case Kind::kScalarA:
        for (int64_t i = 0; i < numel_; ++i) f(i, int64_t{0}, i);
        break;
      case Kind::kSuffixB:  // b: [inner], a: [outer, inner]
        for (int64_t o = 0, i = 0; o < outer_; ++o)
          for (int64_t j = 0; j < inner_; ++j, ++i) f(i, i, j);
        break;
      case Kind::kSuffixA:
        for (int64_t o = 0, i = 0; o < outer_; ++o)
          for (int64_t j = 0; j < inner_; ++j, ++i) f(i, j, i);
        break;
      case Kind::kGeneric:
        generic_for_each(f);
        break;
    }
  }

 private:
  enum class Kind { kSame, kScalarA, kScalarB, kSuffixA, kSuffixB, kGeneric };

  template <typename F>
  void generic_for_each(F& f) const {
    const int rank = static_cast<int>(out_shape_.size());
    if (numel_ == 0) return;
    const int64_t last = out_shape_[rank - 1], sa = stride_a_[rank - 1], sb = stride_b_[rank - 1];
    std::vector<int64_t> index(rank, 0);
    int64_t ia = 0, ib = 0;
    for (int64_t i = 0; i < numel_;) {
      for (int64_t j = 0; j < last; ++j, ++i) f(i, ia + j * sa, ib + j * sb);
      // Advance the odometer over every dim but the last.
      for (int d = rank - 2; d >= 0; --d) {
        ia += stride_a_[d];
        ib += stride_b_[d];
        if (++index[d] < out_shape_[d]) break;
        ia -= stride_a_[d] * out_shape_[d];
        ib -= stride_b_[d] * out_shape_[d];
        index[d] = 0;
      }
    }
  }

  Kind kind_ = Kind::kGeneric;
  Shape out_shape_;
  int64_t numel_ = 0;
  int64_t outer_ = 1, inner_ = 1;
  Shape stride_a_, stride_b_;  // in elements of each operand, per output dim
};

// `t` copied out to `shape` (which `t` must broadcast to).
Tensor broadcast_to(const Tensor& t, const Shape& shape);

}  // namespace attn
