#include "libattn/autograd/broadcast.h"

#include <algorithm>

#include "libattn/core/error.h"

namespace attn {

namespace {

// `inner` drops its leading 1s and is then the trailing part of `outer`.
bool is_trailing_block(const Shape& inner, const Shape& outer) {
  size_t first = 0;
  while (first < inner.size() && inner[first] == 1) ++first;
  const size_t n = inner.size() - first;
  if (n > outer.size()) return false;
  return std::equal(inner.begin() + first, inner.end(), outer.end() - n);
}

Shape broadcast_strides(const Shape& operand, const Shape& out) {
  const size_t rank = out.size(), pad = rank - operand.size();
  Shape strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > pad;) {
    const int64_t size = operand[d - pad];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

}  // namespace

BroadcastPlan::BroadcastPlan(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  out_shape_.assign(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t da = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    const int64_t db = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    ATTN_CHECK(da == db || da == 1 || db == 1, "cannot broadcast shapes {} and {}",
               shape_str(a), shape_str(b));
    out_shape_[d] = da == 1 ? db : da;
  }
  numel_ = shape_numel(out_shape_);
  const int64_t na = shape_numel(a), nb = shape_numel(b);
  if (a == b) {
    kind_ = Kind::kSame;
  } else if (nb == 1 && na == numel_) {
    kind_ = Kind::kScalarB;
  } else if (na == 1 && nb == numel_) {
    kind_ = Kind::kScalarA;
  } else if (na == numel_ && is_trailing_block(b, a)) {
    kind_ = Kind::kSuffixB;
    inner_ = nb;
    outer_ = numel_ / std::max<int64_t>(nb, 1);
  } else if (nb == numel_ && is_trailing_block(a, b)) {
    kind_ = Kind::kSuffixA;
    inner_ = na;
    outer_ = numel_ / std::max<int64_t>(na, 1);
  } else {
    kind_ = Kind::kGeneric;
    stride_a_ = broadcast_strides(a, out_shape_);
    stride_b_ = broadcast_strides(b, out_shape_);
  }
}

Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  BroadcastPlan plan(t.shape(), shape);
  ATTN_CHECK(plan.out_shape() == shape, "cannot broadcast {} to {}", shape_str(t.shape()),
             shape_str(shape));
  const Tensor src = t.contiguous();
  Tensor out = Tensor::empty(shape);
  const float* ps = src.data();
  float* po = out.data();
  plan.for_each([&](int64_t i, int64_t is, int64_t) { po[i] = ps[is]; });
  return out;
}

}  // namespace attn
