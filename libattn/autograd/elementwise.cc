#include "libattn/autograd/elementwise.h"

#include <cmath>

#include "libattn/autograd/broadcast.h"
#include "libattn/autograd/tape.h"
#include "libattn/kernels/fast_exp.h"

namespace attn {

namespace {

// y = fwd(a, b) over the broadcast of a and b. grad_a / grad_b give d y / d a and d y / d b
// at one element (from a, b and y); backward accumulates g * that into the operand's slot.
template <typename Fwd, typename GradA, typename GradB>
Var binary(const Var& a_var, const Var& b_var, Fwd fwd, GradA grad_a, GradB grad_b) {
  const Tensor a = a_var.value().contiguous();
  const Tensor b = b_var.value().contiguous();
  const BroadcastPlan plan(a.shape(), b.shape());
  Tensor y = Tensor::empty(plan.out_shape());
  {
    const float* pa = a.data();
    const float* pb = b.data();
    float* py = y.data();
    plan.for_each([&](int64_t i, int64_t ia, int64_t ib) { py[i] = fwd(pa[ia], pb[ib]); });
  }
  Var out(y, needs_grad(a_var, b_var));
  if (out.requires_grad()) {
    tape().record([a_var, b_var, out, a, b, y, plan, grad_a, grad_b]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      const float* pa = a.data();
      const float* pb = b.data();
      const float* py = y.data();
      // An operand as large as the output takes one term an element, so a gradient of it
      // still zero is written (0 + term: the same float as adding into a cleared one), not
      // cleared first. A broadcast operand sums several terms an element: always added.
      bool accumulate = true;
      if (a_var.requires_grad()) {
        float* ga =
            a.numel() == y.numel() ? a_var.grad_to_write(accumulate).data() : a_var.grad().data();
        plan.for_each([&](int64_t i, int64_t ia, int64_t ib) {
          ga[ia] = (accumulate ? ga[ia] : 0.0f) + g[i] * grad_a(pa[ia], pb[ib], py[i]);
        });
      }
      accumulate = true;
      if (b_var.requires_grad()) {
        float* gb =
            b.numel() == y.numel() ? b_var.grad_to_write(accumulate).data() : b_var.grad().data();
        plan.for_each([&](int64_t i, int64_t ia, int64_t ib) {
          gb[ib] = (accumulate ? gb[ib] : 0.0f) + g[i] * grad_b(pa[ia], pb[ib], py[i]);
        });
      }
    });
  }
  return out;
}

// y = fwd(x) elementwise; deriv(x, y) is dy/dx at one element.
template <typename Fwd, typename Deriv>
Var unary(const Var& x_var, Fwd fwd, Deriv deriv) {
  const Tensor x = x_var.value().contiguous();
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  {
    const float* px = x.data();
    float* py = y.data();
    for (int64_t i = 0; i < n; ++i) py[i] = fwd(px[i]);
  }
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, x, y, n, deriv]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      const float* px = x.data();
      const float* py = y.data();
      bool accumulate = false;  // a gradient still zero is written (0 + term), not cleared first
      float* gx = x_var.grad_to_write(accumulate).data();
      for (int64_t i = 0; i < n; ++i)
        gx[i] = (accumulate ? gx[i] : 0.0f) + g[i] * deriv(px[i], py[i]);
    });
  }
  return out;
}

// sqrt(2 / pi), the constant of the tanh approximation of GELU.
constexpr float kGeluScale = 0.7978845608028654f;
constexpr float kGeluCubic = 0.044715f;

}  // namespace

Var add(const Var& a, const Var& b) {
  return binary(
      a, b, [](float x, float y) { return x + y; }, [](float, float, float) { return 1.0f; },
      [](float, float, float) { return 1.0f; });
}

Var sub(const Var& a, const Var& b) {
  return binary(
      a, b, [](float x, float y) { return x - y; }, [](float, float, float) { return 1.0f; },
      [](float, float, float) { return -1.0f; });
}

Var mul(const Var& a, const Var& b) {
  return binary(
      a, b, [](float x, float y) { return x * y; }, [](float, float y, float) { return y; },
      [](float x, float, float) { return x; });
}

Var div(const Var& a, const Var& b) {
  // d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -(a/b)/b.
  return binary(
      a, b, [](float x, float y) { return x / y; }, [](float, float y, float) { return 1.0f / y; },
      [](float, float y, float out) { return -out / y; });
}

Var scale(const Var& a, float factor) {
  return unary(
      a, [factor](float x) { return x * factor; }, [factor](float, float) { return factor; });
}

Var add_scalar(const Var& a, float value) {
  return unary(
      a, [value](float x) { return x + value; }, [](float, float) { return 1.0f; });
}

Var tanh(const Var& x) {
  return unary(
      x, [](float v) { return tanh_fast(v); }, [](float, float y) { return 1.0f - y * y; });
}

Var sigmoid(const Var& x) {
  // The derivative is y(1-y).
  return unary(
      x, [](float v) { return sigmoid_fast(v); },
      [](float, float y) { return y * (1.0f - y); });
}

Var relu(const Var& x) {
  return unary(
      x, [](float v) { return v > 0.0f ? v : 0.0f; },
      [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; });
}

Var gelu(const Var& x) {
  // y = 0.5 v (1 + tanh(u)), u = k (v + c v^3);
  // dy/dv = 0.5 (1 + tanh(u)) + 0.5 v (1 - tanh(u)^2) k (1 + 3 c v^2).
  return unary(
      x,
      [](float v) {
        return 0.5f * v * (1.0f + std::tanh(kGeluScale * (v + kGeluCubic * v * v * v)));
      },
      [](float v, float) {
        const float t = std::tanh(kGeluScale * (v + kGeluCubic * v * v * v));
        return 0.5f * (1.0f + t) +
               0.5f * v * (1.0f - t * t) * kGeluScale * (1.0f + 3.0f * kGeluCubic * v * v);
      });
}

Var exp(const Var& x) {
  return unary(
      x, [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}

Var log(const Var& x) {
  return unary(
      x, [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}

}  // namespace attn
