#include "libattn/attention/masks.h"

#include <limits>

namespace attn {

namespace {
constexpr float kMasked = -std::numeric_limits<float>::infinity();
}

Tensor padding_mask(const Tensor& ids, int32_t pad_id) {
  const int64_t batch = ids.dim(0), length = ids.dim(1);
  Tensor mask = Tensor::empty({batch, 1, 1, length});
  const int32_t* id = ids.ints();
  float* m = mask.data();
  for (int64_t i = 0; i < batch * length; ++i) m[i] = id[i] == pad_id ? kMasked : 0.0f;
  return mask;
}

Tensor causal_mask(int64_t length) {
  Tensor mask = Tensor::empty({length, length});
  float* m = mask.data();
  for (int64_t q = 0; q < length; ++q)
    for (int64_t k = 0; k < length; ++k) m[q * length + k] = k > q ? kMasked : 0.0f;
  return mask;
}

Tensor causal_padding_mask(const Tensor& ids, int32_t pad_id) {
  const int64_t batch = ids.dim(0), length = ids.dim(1);
  Tensor mask = Tensor::empty({batch, 1, length, length});
  const int32_t* id = ids.ints();
  float* m = mask.data();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t q = 0; q < length; ++q)
      for (int64_t k = 0; k < length; ++k)
        m[(b * length + q) * length + k] =
            (k > q || id[b * length + k] == pad_id) ? kMasked : 0.0f;
  return mask;
}

}  // namespace attn
