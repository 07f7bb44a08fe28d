#include "libattn/autograd/gru_gates.h"

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/kernels/fast_exp.h"

namespace attn {

// Backward, with G = dh':
//   dh += G z;  dz = G (h - n);  dn = G (1 - z)
//   da_n = dn (1 - n²):  dgx_n = da_n,  dgh_n = da_n r,  dr = da_n gh_n
//   dgx_r = dgh_r = dr r (1 - r);  dgx_z = dgh_z = dz z (1 - z)
Var gru_gates(const Var& gx_var, const Var& gh_var, const Var& h_var) {
  const Tensor gx = gx_var.value().contiguous();
  const Tensor gh = gh_var.value().contiguous();
  const Tensor h = h_var.value().contiguous();
  ATTN_CHECK(h.rank() == 2 && gx.shape() == (Shape{h.dim(0), 3 * h.dim(1)}) &&
                 gh.shape() == gx.shape(),
             "gru_gates: h {} needs gx and gh [B, 3H], got {} and {}", shape_str(h.shape()),
             shape_str(gx.shape()), shape_str(gh.shape()));
  const int64_t batch = h.dim(0), hidden = h.dim(1);
  const bool grad = needs_grad(gx_var, gh_var, h_var);
  Tensor next = Tensor::empty({batch, hidden});
  // r | z | n per row, kept for the backward pass.
  Tensor gates = Tensor::empty({batch, 3 * hidden});
  {
    const float* px = gx.data();
    const float* pg = gh.data();
    const float* ph = h.data();
    float* pgates = gates.data();
    float* py = next.data();
    for (int64_t b = 0; b < batch; ++b) {
      const float* x = px + b * 3 * hidden;
      const float* g = pg + b * 3 * hidden;
      float* r = pgates + b * 3 * hidden;
      float* z = r + hidden;
      float* n = z + hidden;
      const float* hb = ph + b * hidden;
      float* y = py + b * hidden;
      for (int64_t j = 0; j < hidden; ++j) {
        r[j] = sigmoid_fast(x[j] + g[j]);
        z[j] = sigmoid_fast(x[hidden + j] + g[hidden + j]);
        n[j] = tanh_fast(x[2 * hidden + j] + r[j] * g[2 * hidden + j]);
        y[j] = n[j] + z[j] * (hb[j] - n[j]);
      }
    }
  }
  Var out(next, grad);
  if (out.requires_grad()) {
    tape().record([gx_var, gh_var, h_var, out, gh, h, gates, batch, hidden]() {
      if (!out.has_grad()) return;
      const float* pgo = out.grad().data();
      const float* pg = gh.data();
      const float* ph = h.data();
      const float* pgates = gates.data();
      float* dx = gx_var.requires_grad() ? gx_var.grad().data() : nullptr;
      float* dg = gh_var.requires_grad() ? gh_var.grad().data() : nullptr;
      float* dh = h_var.requires_grad() ? h_var.grad().data() : nullptr;
      for (int64_t b = 0; b < batch; ++b) {
        const float* go = pgo + b * hidden;
        const float* g = pg + b * 3 * hidden;
        const float* r = pgates + b * 3 * hidden;
        const float* z = r + hidden;
        const float* n = z + hidden;
        const float* hb = ph + b * hidden;
        for (int64_t j = 0; j < hidden; ++j) {
          const float da_n = go[j] * (1.0f - z[j]) * (1.0f - n[j] * n[j]);
          const float da_r = da_n * g[2 * hidden + j] * r[j] * (1.0f - r[j]);
          const float da_z = go[j] * (hb[j] - n[j]) * z[j] * (1.0f - z[j]);
          if (dx) {
            float* d = dx + b * 3 * hidden;
            d[j] += da_r;
            d[hidden + j] += da_z;
            d[2 * hidden + j] += da_n;
          }
          if (dg) {
            float* d = dg + b * 3 * hidden;
            d[j] += da_r;
            d[hidden + j] += da_z;
            d[2 * hidden + j] += da_n * r[j];
          }
          if (dh) dh[b * hidden + j] += go[j] * z[j];
        }
      }
    });
  }
  return out;
}

}  // namespace attn
