#include "libattn/autograd/dropout.h"

#include <algorithm>
#include <cstring>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"

namespace attn {

Var dropout(const Var& x_var, float p, Rng& rng, bool training) {
  ATTN_CHECK(p >= 0.0f && p < 1.0f, "dropout: probability must be in [0, 1), got {}", p);
  if (!training || p == 0.0f) return x_var;
  const Tensor x = x_var.value().contiguous();
  const int64_t n = x.numel();
  // keep[i] is 0 or 1/(1-p): the forward multiplier and the backward one.
  Tensor keep = Tensor::empty(x.shape());
  Tensor y = Tensor::empty(x.shape());
  const float survivor_scale = 1.0f / (1.0f - p);
  const float* px = x.data();
  float* pk = keep.data();
  float* py = y.data();
  // Four 16-bit draws from each 64-bit random word: the RNG was 7% of a training step with
  // one call per element. p is thereby rounded to a multiple of 1/65536. Element i takes bits
  // 16 (i % 4) .. of word i / 4. The words of a block are drawn first (the generator is
  // serial) and read back as 16-bit draws, so the loop that makes the mask vectorises.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "draw i is bits 16 (i % 4) of word i / 4");
  const uint32_t threshold = static_cast<uint32_t>(p * 65536.0f + 0.5f);
  constexpr int64_t kBlock = 1024;  // elements, a multiple of 4: words do not straddle blocks
  uint16_t draws[kBlock];
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t count = std::min(kBlock, n - start);
    for (int64_t w = 0; w < (count + 3) / 4; ++w) {
      const uint64_t bits = rng.next();
      std::memcpy(draws + 4 * w, &bits, sizeof bits);
    }
    for (int64_t j = 0; j < count; ++j) {
      const float k = draws[j] < threshold ? 0.0f : survivor_scale;
      pk[start + j] = k;
      py[start + j] = px[start + j] * k;
    }
  }
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, keep, n]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      const float* k = keep.data();
      bool accumulate = false;  // a gradient still zero is written (0 + term), not cleared first
      float* gx = x_var.grad_to_write(accumulate).data();
      for (int64_t i = 0; i < n; ++i) gx[i] = (accumulate ? gx[i] : 0.0f) + g[i] * k[i];
    });
  }
  return out;
}

}  // namespace attn
