// Learning-rate schedules: the rate for the update about to be made.
//
//   LrSchedule schedule{LrScheduleKind::kInverseSqrt, 5e-4f, 4000, 0};
//   for (int64_t step = 1; ...; ++step) optimizer.step(learning_rate(schedule, step));
//   LrScheduleKind kind = parse_lr_schedule_kind("inverse-sqrt");   // from a --lr-schedule flag
//
// `step` counts updates from 1. Kinds:
//   constant      lr, after a linear warmup from lr/warmup when warmup > 0.
//   inverse-sqrt  Vaswani et al. 2017 §5.3: lr · min(step^-0.5, step · warmup^-1.5) ·
//                 sqrt(warmup): linear up to exactly lr at step == warmup, then lr ·
//                 sqrt(warmup / step). warmup = 0 means lr / sqrt(step).
//   cosine        linear warmup, then lr · (1 + cos(pi · p)) / 2 with p = (step - warmup) /
//                 (total - warmup) clamped to [0, 1] (Loshchilov & Hutter 2017, one cycle).
//   linear        linear warmup, then lr · (1 - p): zero at step == total.
#pragma once

#include <cstdint>
#include <string>

namespace attn {

enum class LrScheduleKind { kConstant, kInverseSqrt, kCosine, kLinear };

struct LrSchedule {
  LrScheduleKind kind = LrScheduleKind::kConstant;
  float lr = 1e-3f;    // the peak rate
  int64_t warmup = 0;  // updates of linear warmup
  int64_t total = 0;   // updates in the run; needed by cosine and linear
};

float learning_rate(const LrSchedule& schedule, int64_t step);

// "constant", "inverse-sqrt", "cosine", "linear"; anything else throws InputError.
LrScheduleKind parse_lr_schedule_kind(const std::string& name);
const char* lr_schedule_kind_name(LrScheduleKind kind);

}  // namespace attn
