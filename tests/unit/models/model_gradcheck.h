// Finite-difference check of a whole model, shared by the model tests: the models are built
// from gradient-checked ops (tests/unit/autograd/gradcheck.h), so what is checked here is
// the wiring between them.
//
//   check_model_gradients(model.parameters(), [&] { return loss_of(model.forward(...)); },
//                         rng, describe(config));
//
// `loss` builds the scalar loss from the parameters' current values. Its analytic gradient
// is taken once; then `samples` random elements of every parameter tensor are nudged by
// ±eps and the central difference of the loss (run under NoGrad) is compared with it:
// |analytic - numeric| <= atol + rtol * |numeric|.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "libattn/autograd/tape.h"
#include "libattn/core/rng.h"
#include "libattn/nn/parameters.h"

namespace attn::testing {

struct ModelGradCheck {
  float eps = 1e-2f;
  double atol = 2e-3;
  double rtol = 3e-2;
  int samples = 3;  // elements a parameter tensor
};

inline void check_model_gradients(NamedParameters params, const std::function<Var()>& loss,
                                  Rng& rng, const std::string& label,
                                  const ModelGradCheck& options = {}) {
  for (auto& [name, var] : params) var.zero_grad();
  tape().backward(loss());
  auto loss_value = [&]() {
    NoGrad no_grad;
    return double(loss().value().item());
  };
  for (auto& [name, var] : params) {
    Tensor& value = var.mutable_value();
    for (int k = 0; k < options.samples; ++k) {
      const int64_t i = static_cast<int64_t>(rng.below(value.numel()));
      const float saved = value[i];
      value[i] = saved + options.eps;
      const double plus = loss_value();
      value[i] = saved - options.eps;
      const double minus = loss_value();
      value[i] = saved;
      const double numeric = (plus - minus) / (2.0 * options.eps);
      EXPECT_NEAR(var.grad()[i], numeric, options.atol + options.rtol * std::fabs(numeric))
          << label << " " << name << "[" << i << "]";
    }
  }
}

}  // namespace attn::testing
