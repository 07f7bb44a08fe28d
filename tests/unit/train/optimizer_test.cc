#include "libattn/train/optimizer.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"
#include "libattn/train/grad_clip.h"
#include "libattn/train/lr_schedule.h"

namespace attn {
namespace {

using Params = std::vector<std::pair<std::string, Var>>;

Var scalar_param(float value) { return Var::parameter(Tensor::from({1}, {value})); }

// By hand, lr 0.1, betas 0.9 / 0.999:
//   step 1, g = 0.5:  m = 0.05, v = 2.5e-4, m̂ = 0.5, v̂ = 0.25 -> p = 1 - 0.1 · 0.5/0.5 = 0.9
//   step 2, g = 0.25: m = 0.07, v = 3.1225e-4, m̂ = 0.07/0.19, v̂ = 3.1225e-4/1.999e-3
//                     -> p = 0.9 - 0.1 · 0.368421 / 0.395225 = 0.806782
TEST(Adam, FirstStepsMatchHandComputation) {
  Var w = scalar_param(1.0f);
  Adam adam({{"w", w}});
  w.grad()[0] = 0.5f;
  adam.step(0.1f);
  EXPECT_NEAR(w.value()[0], 0.9f, 1e-6);
  EXPECT_NEAR(adam.moments1()[0][0], 0.05f, 1e-7);
  EXPECT_NEAR(adam.moments2()[0][0], 2.5e-4f, 1e-8);  // 1 - 0.999 is inexact in float
  EXPECT_EQ(adam.step_count(), 1);
  adam.zero_grad();
  EXPECT_EQ(w.grad()[0], 0.0f);
  w.grad()[0] = 0.25f;
  adam.step(0.1f);
  EXPECT_NEAR(w.value()[0], 0.806782f, 2e-6);
}

// With a zero gradient only weight decay moves the parameter. AdamW shrinks it by
// lr · wd = 1%; Adam's L2 term becomes a gradient of 0.1, and its first step is a full lr.
TEST(Adam, DecoupledDecayDiffersFromL2) {
  Var decoupled = scalar_param(1.0f), coupled = scalar_param(1.0f);
  Adam adamw({{"w", decoupled}}, AdamOptions::adamw(0.1f));
  AdamOptions l2;
  l2.weight_decay = 0.1f;
  Adam adam({{"w", coupled}}, l2);
  decoupled.grad();
  coupled.grad();
  adamw.step(0.1f);
  adam.step(0.1f);
  EXPECT_NEAR(decoupled.value()[0], 0.99f, 1e-6);
  EXPECT_NEAR(coupled.value()[0], 0.9f, 1e-5);
}

TEST(Adam, SkipsParametersWithoutGradientAndRejectsConstants) {
  Var used = scalar_param(1.0f), unused = scalar_param(2.0f);
  Adam adam({{"used", used}, {"unused", unused}}, AdamOptions::adamw(0.5f));
  used.grad()[0] = 1.0f;
  adam.step(0.1f);
  EXPECT_EQ(unused.value()[0], 2.0f);
  EXPECT_NE(used.value()[0], 1.0f);
  EXPECT_THROW(Adam({{"constant", Var(Tensor::from({1}, {1.0f}))}}), Error);
}

// Saving moments and step and loading them into a fresh optimizer continues the run exactly.
TEST(Adam, RestoredStateContinuesIdentically) {
  Var a = Var::parameter(Tensor::from({3}, {1, -2, 3}));
  Var b = Var::parameter(Tensor::from({3}, {1, -2, 3}));
  Adam first({{"p", a}}), reference({{"p", b}});
  const std::vector<std::vector<float>> grads = {
      {0.1f, -0.3f, 2.0f}, {0.5f, 0.2f, -1.0f}, {-0.7f, 0.0f, 0.4f}};
  for (int i = 0; i < 2; ++i) {
    a.grad().copy_from(Tensor::from({3}, grads[i]));
    b.grad().copy_from(Tensor::from({3}, grads[i]));
    first.step(0.01f);
    reference.step(0.01f);
  }
  Var c = Var::parameter(a.value().clone_heap());
  Adam resumed({{"p", c}});
  resumed.moments1()[0].copy_from(first.moments1()[0]);
  resumed.moments2()[0].copy_from(first.moments2()[0]);
  resumed.set_step_count(first.step_count());
  c.grad().copy_from(Tensor::from({3}, grads[2]));
  b.grad().copy_from(Tensor::from({3}, grads[2]));
  resumed.step(0.01f);
  reference.step(0.01f);
  EXPECT_EQ(c.value().to_vector(), b.value().to_vector());
}

TEST(GradClip, ScalesToMaxNormAndReturnsNorm) {
  Var a = Var::parameter(Tensor::zeros_heap({2})), b = Var::parameter(Tensor::zeros_heap({1}));
  Var untouched = Var::parameter(Tensor::zeros_heap({1}));
  a.grad().copy_from(Tensor::from({2}, {3, 4}));
  b.grad()[0] = 12.0f;
  Params params = {{"a", a}, {"b", b}, {"untouched", untouched}};
  EXPECT_NEAR(clip_grad_norm(params, 6.5f), 13.0f, 1e-5);  // sqrt(9 + 16 + 144)
  EXPECT_NEAR(a.grad()[0], 1.5f, 1e-6);
  EXPECT_NEAR(a.grad()[1], 2.0f, 1e-6);
  EXPECT_NEAR(b.grad()[0], 6.0f, 1e-6);
  EXPECT_NEAR(clip_grad_norm(params, 100.0f), 6.5f, 1e-5);  // below the limit: unchanged
  EXPECT_NEAR(b.grad()[0], 6.0f, 1e-6);
  EXPECT_NEAR(clip_grad_norm(params, 0.0f), 6.5f, 1e-5);  // 0: measure only
}

TEST(LrSchedule, ValuesAtChosenSteps) {
  LrSchedule inv{LrScheduleKind::kInverseSqrt, 1.0f, 4, 0};
  EXPECT_NEAR(learning_rate(inv, 1), 0.25f, 1e-6);
  EXPECT_NEAR(learning_rate(inv, 2), 0.5f, 1e-6);
  EXPECT_NEAR(learning_rate(inv, 4), 1.0f, 1e-6);  // the peak is exactly --lr
  EXPECT_NEAR(learning_rate(inv, 16), 0.5f, 1e-6);
  EXPECT_NEAR(learning_rate(LrSchedule{LrScheduleKind::kInverseSqrt, 1.0f, 0, 0}, 4), 0.5f, 1e-6);

  LrSchedule constant{LrScheduleKind::kConstant, 0.2f, 4, 0};
  EXPECT_NEAR(learning_rate(constant, 2), 0.1f, 1e-7);
  EXPECT_NEAR(learning_rate(constant, 100), 0.2f, 1e-7);
  EXPECT_NEAR(learning_rate(LrSchedule{LrScheduleKind::kConstant, 0.2f, 0, 0}, 1), 0.2f, 1e-7);

  LrSchedule cosine{LrScheduleKind::kCosine, 1.0f, 2, 12};
  EXPECT_NEAR(learning_rate(cosine, 1), 0.5f, 1e-6);
  EXPECT_NEAR(learning_rate(cosine, 2), 1.0f, 1e-6);
  EXPECT_NEAR(learning_rate(cosine, 7), 0.5f, 1e-6);  // halfway: (1 + cos(pi/2)) / 2
  EXPECT_NEAR(learning_rate(cosine, 12), 0.0f, 1e-6);
  EXPECT_NEAR(learning_rate(cosine, 50), 0.0f, 1e-6);

  LrSchedule linear{LrScheduleKind::kLinear, 1.0f, 2, 12};
  EXPECT_NEAR(learning_rate(linear, 7), 0.5f, 1e-6);
  EXPECT_NEAR(learning_rate(linear, 10), 0.2f, 1e-6);

  EXPECT_THROW(learning_rate(LrSchedule{LrScheduleKind::kCosine, 1.0f, 5, 5}, 6), Error);
  EXPECT_THROW(learning_rate(inv, 0), Error);
  EXPECT_EQ(parse_lr_schedule_kind("inverse-sqrt"), LrScheduleKind::kInverseSqrt);
  EXPECT_EQ(parse_lr_schedule_kind("cosine"), LrScheduleKind::kCosine);
  EXPECT_THROW(parse_lr_schedule_kind("noam"), InputError);
}

}  // namespace
}  // namespace attn
