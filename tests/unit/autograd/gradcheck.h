// Finite-difference gradient check shared by every op's test.
//
//   GradCheck check;                                   // tolerances below
//   check.run("matmul", [](const std::vector<Var>& in) { return matmul(in[0], in[1]); },
//             {random_tensor({3, 4}, rng), random_tensor({4, 5}, rng)});
//
// The op's output is reduced to L = sum(output * R) with a fixed random R, so every output
// element gets a different upstream gradient. Each input element is nudged by ±eps and the
// central difference (L(x+eps) - L(x-eps)) / 2eps, accumulated in float64, is compared with
// the analytic gradient: |analytic - numeric| <= atol + rtol * |numeric|.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "libattn/autograd/tape.h"
#include "libattn/core/rng.h"
#include "libattn/core/tensor.h"

namespace attn::testing {

inline Tensor random_tensor(const Shape& shape, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::empty_heap(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = lo + (hi - lo) * rng.uniform();
  return t;
}

struct GradCheck {
  float eps = 1e-2f;
  float atol = 2e-3f;
  float rtol = 2e-2f;

  using Fn = std::function<Var(const std::vector<Var>&)>;

  // `wants_grad[i] == false` marks an input that is held constant (e.g. a mask as a Var).
  void run(const std::string& name, const Fn& fn, const std::vector<Tensor>& inputs,
           std::vector<bool> wants_grad = {}) const {
    if (wants_grad.empty()) wants_grad.assign(inputs.size(), true);
    std::vector<Var> vars;
    for (size_t i = 0; i < inputs.size(); ++i) vars.emplace_back(inputs[i].clone_heap(), wants_grad[i]);
    Var out = fn(vars);
    Rng rng(1234);
    Tensor weights = random_tensor(out.shape(), rng);
    auto loss_of = [&](const Var& o) {
      Tensor v = o.value().contiguous();
      double total = 0;
      for (int64_t i = 0; i < v.numel(); ++i) total += double(v[i]) * weights[i];
      return total;
    };
    // Analytic: seed out.grad with the weights and run the tape.
    out.grad().copy_from(weights);
    auto& t = tape();
    std::vector<Tensor> analytic;
    {
      Var seed(Tensor::zeros_heap({1}), true);
      // backward() seeds a scalar; our seed lives in out.grad already, so add a no-op root.
      t.record([] {});
      t.backward(seed);
    }
    for (size_t i = 0; i < vars.size(); ++i)
      analytic.push_back(wants_grad[i] ? vars[i].grad().clone_heap() : Tensor());

    NoGrad no_grad;
    for (size_t i = 0; i < vars.size(); ++i) {
      if (!wants_grad[i]) continue;
      Tensor& x = vars[i].mutable_value();
      for (int64_t j = 0; j < x.numel(); ++j) {
        float saved = x[j];
        x[j] = saved + eps;
        double plus = loss_of(fn(vars));
        x[j] = saved - eps;
        double minus = loss_of(fn(vars));
        x[j] = saved;
        double numeric = (plus - minus) / (2.0 * eps);
        double got = analytic[i][j];
        EXPECT_NEAR(got, numeric, atol + rtol * std::abs(numeric))
            << name << ": input " << i << " element " << j;
      }
    }
  }
};

}  // namespace attn::testing
