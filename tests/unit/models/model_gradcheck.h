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

#include "libattn/autograd/ops.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/rng.h"
#include "libattn/models/seq2seq_model.h"
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

// The loss most model tests check: a random weighting (drawn from `rng`) of the
// teacher-forced logits [B, T, V], so every output reaches the loss with its own sign.
inline void check_logit_gradients(const Seq2SeqModel& model, const Tensor& src,
                                  const Tensor& tgt_in, Rng& rng, const std::string& label,
                                  const ModelGradCheck& options = {}) {
  Tensor weights = Tensor::empty_heap({src.dim(0), tgt_in.dim(1), model.vocab_size()});
  for (int64_t i = 0; i < weights.numel(); ++i) weights[i] = 2.0f * rng.uniform() - 1.0f;
  check_model_gradients(
      model.parameters(), [&] { return sum(mul(model.forward(src, tgt_in, {}), Var(weights))); },
      rng, label, options);
}

// The training loss of one batch (any struct with src, tgt_in and tgt_out), as attn-train's
// step takes it: cross-entropy without smoothing, <pad> ignored, plus the model's
// extra_loss. `cross_entropy_only`, when given, receives the first part.
template <typename Batch>
Var batch_loss(const Seq2SeqModel& model, const Batch& batch, const ForwardMode& mode,
               Var* cross_entropy_only = nullptr) {
  Var logits = model.forward(batch.src, batch.tgt_in, mode);
  Var loss =
      cross_entropy(logits, batch.tgt_out, {.label_smoothing = 0.0f, .ignore_index = 0}).loss;
  if (cross_entropy_only) *cross_entropy_only = loss;
  return model.extra_loss().defined() ? add(loss, model.extra_loss()) : loss;
}

// check_model_gradients of batch_loss.
template <typename Batch>
void check_loss_gradients(const Seq2SeqModel& model, const Batch& batch, const ForwardMode& mode,
                          Rng& rng, const std::string& label) {
  check_model_gradients(
      model.parameters(), [&] { return batch_loss(model, batch, mode); }, rng, label);
}

}  // namespace attn::testing
