// How a run trains, as a checkpoint keeps it: one typed struct for what the file stores as
// name -> number pairs (formats::OptimizerState::settings). The Trainer writes it at every
// checkpoint and reads the run's progress back on resume; attn-train continues a resumed run
// with the saved settings its command line leaves out (a default would silently change the
// run: the learning-rate curve, the loss, the batches).
//
//   meta.training.optimizer.settings = settings_map(settings);
//   const TrainingSettings saved = read_training_settings(meta.training.optimizer.settings);
//   if (saved.lr) lr = *saved.lr;
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "libattn/train/lr_schedule.h"

namespace attn {

struct TrainingSettings {
  // The run's progress.
  int64_t step = 0;                 // optimizer updates taken
  int64_t stalled_validations = 0;  // validations without improvement (early stopping)
  // How it trains. Unset where the checkpoint was written before the setting was saved (or,
  // for lr_schedule, holds no schedule this build knows).
  std::optional<float> lr;
  std::optional<int64_t> warmup;
  std::optional<float> beta1, beta2, eps, weight_decay;
  std::optional<LrScheduleKind> lr_schedule;
  std::optional<float> label_smoothing, clip_norm;
  std::optional<int64_t> batch_tokens, max_length;
  std::optional<bool> max_length_crop;
  std::optional<int64_t> accumulate;
};

// The file's keys ("lr", "warmup", "beta1", ..., "max_length_crop" as 1 or 0, "lr_schedule" as
// the kind's number); unset settings are left out.
std::map<std::string, double> settings_map(const TrainingSettings& settings);
// Missing keys stay unset (progress: 0); unknown keys are ignored.
TrainingSettings read_training_settings(const std::map<std::string, double>& map);

}  // namespace attn
