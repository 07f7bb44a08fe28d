#include "libattn/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "libattn/core/error.h"

namespace attn {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

float learning_rate(const LrSchedule& schedule, int64_t step) {
  ATTN_CHECK(step >= 1, "learning_rate: steps count from 1, got {}", step);
  ATTN_CHECK(schedule.warmup >= 0, "learning_rate: warmup must be >= 0, got {}", schedule.warmup);
  const double lr = schedule.lr, s = static_cast<double>(step);
  const double warmup = static_cast<double>(schedule.warmup);
  if (schedule.kind == LrScheduleKind::kInverseSqrt) {
    if (schedule.warmup == 0) return static_cast<float>(lr / std::sqrt(s));
    return static_cast<float>(lr * std::sqrt(warmup) *
                              std::min(1.0 / std::sqrt(s), s * std::pow(warmup, -1.5)));
  }
  if (step < schedule.warmup) return static_cast<float>(lr * s / warmup);
  if (schedule.kind == LrScheduleKind::kConstant) return schedule.lr;
  ATTN_CHECK(schedule.total > schedule.warmup,
             "learning_rate: the {} schedule needs total ({}) > warmup ({})",
             lr_schedule_kind_name(schedule.kind), schedule.total, schedule.warmup);
  const double progress =
      std::clamp((s - warmup) / static_cast<double>(schedule.total - schedule.warmup), 0.0, 1.0);
  if (schedule.kind == LrScheduleKind::kCosine)
    return static_cast<float>(lr * 0.5 * (1.0 + std::cos(kPi * progress)));
  return static_cast<float>(lr * (1.0 - progress));
}

LrScheduleKind parse_lr_schedule_kind(const std::string& name) {
  for (LrScheduleKind kind : {LrScheduleKind::kConstant, LrScheduleKind::kInverseSqrt,
                              LrScheduleKind::kCosine, LrScheduleKind::kLinear})
    if (name == lr_schedule_kind_name(kind)) return kind;
  throw InputError(fmt::format(
      "unknown learning-rate schedule '{}'; expected constant, inverse-sqrt, cosine or linear",
      name));
}

const char* lr_schedule_kind_name(LrScheduleKind kind) {
  switch (kind) {
    case LrScheduleKind::kConstant:
      return "constant";
    case LrScheduleKind::kInverseSqrt:
      return "inverse-sqrt";
    case LrScheduleKind::kCosine:
      return "cosine";
    case LrScheduleKind::kLinear:
      return "linear";
  }
  return "constant";
}

}  // namespace attn
