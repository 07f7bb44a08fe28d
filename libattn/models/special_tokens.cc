#include "libattn/models/special_tokens.h"

#include <cmath>

#include "libattn/core/error.h"
#include "libattn/data/vocab.h"

namespace attn {

Tensor with_source_eos(const Tensor& src) {
  const int64_t rows = src.dim(0), length = src.dim(1);
  Tensor out = Tensor::zeros({rows, length + 1}, DType::kI32);
  const Tensor dense = src.contiguous();
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* in = dense.ints() + r * length;
    int32_t* row = out.ints() + r * (length + 1);
    int64_t n = 0;
    while (n < length && in[n] != Vocabulary::kPad) row[n] = in[n], ++n;
    row[n] = Vocabulary::kEos;
  }
  return out;
}

Tensor no_pad_bos_mask(int64_t vocab) {
  ATTN_CHECK(vocab > Vocabulary::kBos, "no_pad_bos_mask: vocabulary of {} tokens", vocab);
  Tensor mask = Tensor::zeros_heap({vocab});
  mask.data()[Vocabulary::kPad] = -INFINITY;
  mask.data()[Vocabulary::kBos] = -INFINITY;
  return mask;
}

}  // namespace attn
