#include "libattn/autograd/circular_shift.h"

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

// The slot offset k - R reads from, for output slot i: (i - (k - R)) mod N, never negative.
inline int64_t source_slot(int64_t i, int64_t k, int64_t radius, int64_t slots) {
  return ((i - (k - radius)) % slots + slots) % slots;
}

}  // namespace

// out = Σ_k s_k · roll(w, k - R), so
//   dL/dw[(i - (k - R)) mod N] += s_k · g_i   and   dL/ds_k += Σ_i g_i · w[(i - (k - R)) mod N].
Var circular_shift(const Var& weights_var, const Var& shift_var) {
  const Tensor w = weights_var.value().contiguous();
  const Tensor s = shift_var.value().contiguous();
  ATTN_CHECK(w.rank() == 2 && s.rank() == 2 && w.dim(0) == s.dim(0) && s.dim(1) % 2 == 1 &&
                 s.dim(1) <= w.dim(1),
             "circular_shift: expected weights [B, N] and shifts [B, 2R + 1] with 2R + 1 <= N, "
             "got {} and {}",
             shape_str(w.shape()), shape_str(s.shape()));
  const int64_t batch = w.dim(0), slots = w.dim(1), kernel = s.dim(1), radius = kernel / 2;
  Tensor out_value = Tensor::zeros({batch, slots});
  for (int64_t b = 0; b < batch; ++b) {
    const float* wb = w.data() + b * slots;
    const float* sb = s.data() + b * kernel;
    float* ob = out_value.data() + b * slots;
    for (int64_t i = 0; i < slots; ++i) {
      float total = 0;
      for (int64_t k = 0; k < kernel; ++k) total += sb[k] * wb[source_slot(i, k, radius, slots)];
      ob[i] = total;
    }
  }
  Var out(out_value, needs_grad(weights_var, shift_var));
  if (out.requires_grad()) {
    tape().record([weights_var, shift_var, out, w, s, batch, slots, kernel, radius]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      float* gw = weights_var.requires_grad() ? weights_var.grad().data() : nullptr;
      float* gs = shift_var.requires_grad() ? shift_var.grad().data() : nullptr;
      for (int64_t b = 0; b < batch; ++b) {
        const float* wb = w.data() + b * slots;
        const float* sb = s.data() + b * kernel;
        const float* gb = g + b * slots;
        for (int64_t i = 0; i < slots; ++i)
          for (int64_t k = 0; k < kernel; ++k) {
            const int64_t j = source_slot(i, k, radius, slots);
            if (gw) gw[b * slots + j] += sb[k] * gb[i];
            if (gs) gs[b * kernel + k] += gb[i] * wb[j];
          }
      }
    });
  }
  return out;
}

}  // namespace attn
