#include "libattn/train/run_options.h"

#include <fmt/format.h>

#include <vector>

#include "formats/output_file.h"
#include "libattn/core/error.h"
#include "libattn/data/vocab.h"
#include "libattn/models/registry.h"
#include "libattn/train/checkpoint_files.h"
#include "libattn/train/training_settings.h"

namespace attn {

void check_run_options(const TrainRunOptions& run) {
  const DataOptions& data = run.data;
  const TrainerOptions& trainer = run.trainer;
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw InputError(message);
  };
  require(data.batch.batch_tokens > 0,
          fmt::format("--batch-tokens must be positive, not {}", data.batch.batch_tokens));
  require(
      data.batch.max_length >= 0,
      fmt::format("--max-length must be 0 (no limit) or positive, not {}", data.batch.max_length));
  require(data.vocab_size == 0 || data.vocab_size >= Vocabulary::kSpecials,
          fmt::format("--vocab-size must be 0 (no limit) or at least {} (the special tokens), "
                      "not {}",
                      Vocabulary::kSpecials, data.vocab_size));
  require(data.vocab_from.empty() || data.spm_model.empty(),
          "give --vocab-from or --spm-model, not both");
  require(run.lr > 0, fmt::format("--lr must be positive, not {}", run.lr));
  require(run.warmup >= 0, fmt::format("--warmup must be 0 or positive, not {}", run.warmup));
  require(trainer.step.label_smoothing >= 0 && trainer.step.label_smoothing < 1,
          fmt::format("--label-smoothing must be in [0, 1), not {}", trainer.step.label_smoothing));
  require(trainer.step.clip_norm >= 0,
          fmt::format("--clip-norm must be 0 (off) or positive, not {}", trainer.step.clip_norm));
  require(trainer.max_steps >= 0 && trainer.epochs >= 0 && trainer.valid_every >= 0 &&
              trainer.early_stopping >= 0 && trainer.save_every >= 0 && trainer.keep_last >= 0 &&
              trainer.average_last >= 0,
          "--max-steps, --epochs, --valid-every, --early-stopping, --save-every, --keep-last and "
          "--average-last must be 0 (off) or positive");
  require(trainer.accumulate >= 1,
          fmt::format("--accumulate must be 1 (off) or more, not {}", trainer.accumulate));
  require(trainer.exponential_smoothing >= 0 && trainer.exponential_smoothing <= 1,
          fmt::format("--exponential-smoothing must be in [0, 1], not {}",
                      trainer.exponential_smoothing));
  require(trainer.valid_beam_size >= 1,
          fmt::format("--valid-beam-size must be at least 1, not {}", trainer.valid_beam_size));
  require(trainer.average_last <= 1 || trainer.keep_last >= trainer.average_last,
          fmt::format("--average-last {0} averages numbered checkpoints: give --keep-last {0} or "
                      "more",
                      trainer.average_last));
  require(!needs_decoding(trainer.valid_metric) || trainer.valid_decode_limit > 0,
          fmt::format("--valid-metric {} is measured on decodes: --valid-decode must be positive",
                      valid_metric_name(trainer.valid_metric)));
}

void continue_saved_settings(const std::string& checkpoint, const formats::Metadata& meta,
                             const std::function<bool(const std::string& flag)>& given,
                             TrainRunOptions& run) {
  if (!given("seed")) run.trainer.seed = meta.training.data_position.shuffle_seed;
  if (!given("optimizer") && !meta.training.optimizer.name.empty())
    run.optimizer = meta.training.optimizer.name;
  const TrainingSettings saved = read_training_settings(meta.training.optimizer.settings);
  auto keep = [&](const char* flag, const auto& value, auto& target) {
    if (value && !given(flag)) target = *value;
  };
  keep("lr", saved.lr, run.lr);
  keep("warmup", saved.warmup, run.warmup);
  keep("weight-decay", saved.weight_decay, run.trainer.adam.weight_decay);
  keep("label-smoothing", saved.label_smoothing, run.trainer.step.label_smoothing);
  keep("clip-norm", saved.clip_norm, run.trainer.step.clip_norm);
  keep("batch-tokens", saved.batch_tokens, run.data.batch.batch_tokens);
  keep("max-length", saved.max_length, run.data.batch.max_length);
  keep("accumulate", saved.accumulate, run.trainer.accumulate);
  keep("max-length-crop", saved.max_length_crop, run.data.crop);
  if (saved.lr_schedule && !given("lr-schedule"))
    run.lr_schedule = lr_schedule_kind_name(*saved.lr_schedule);
  try {  // the file's settings are input like any other
    check_run_options(run);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: saved training settings: {}", checkpoint, e.what()));
  }
}

void finish_run_options(TrainRunOptions& run, bool synthetic) {
  TrainerOptions& trainer = run.trainer;
  if (synthetic && trainer.max_steps == 0) trainer.max_steps = 20;
  if (!synthetic && trainer.max_steps == 0 && trainer.epochs == 0 && trainer.max_seconds == 0)
    trainer.epochs = 10;
  run.data.batch.too_long = run.data.crop ? TooLong::kCrop : TooLong::kSkip;
  run.data.batch.seed = trainer.seed;
  trainer.schedule = {parse_lr_schedule_kind(run.lr_schedule), run.lr, run.warmup,
                      trainer.max_steps};
  // Cosine and linear decay to zero at --max-steps: checked now, not once training reaches
  // the end of the warmup.
  const LrSchedule& schedule = trainer.schedule;
  if ((schedule.kind == LrScheduleKind::kCosine || schedule.kind == LrScheduleKind::kLinear) &&
      schedule.total <= schedule.warmup)
    throw InputError(fmt::format(
        "--lr-schedule {} decays to zero at --max-steps: give --max-steps above --warmup ({}){}",
        run.lr_schedule, schedule.warmup,
        schedule.total == 0 ? "" : fmt::format(", not {}", schedule.total)));
  trainer.adam = AdamOptions::named(run.optimizer, trainer.adam.weight_decay);
}

void check_save_paths(const TrainRunOptions& run) {
  const std::string& save = run.trainer.save_path;
  if (save.empty()) return;
  const DataOptions& data = run.data;
  const std::vector<formats::NamedPath> inputs = {
      {"--train", data.train},         {"--train-src", data.train_src},
      {"--train-tgt", data.train_tgt}, {"--valid", data.valid},
      {"--valid-src", data.valid_src}, {"--valid-tgt", data.valid_tgt}};
  formats::refuse_output_over_inputs({"--save", save}, inputs);
  formats::refuse_output_over_inputs({"--save", best_model_path(save)}, inputs);
  formats::resolve_output_path(save);
  formats::resolve_output_path(best_model_path(save));
}

void fit_to_architecture(const std::string& architecture, bool label_smoothing_given,
                         TrainRunOptions& run) {
  float& smoothing = run.trainer.step.label_smoothing;
  if (!find_architecture(architecture).capabilities.refuses_label_smoothing || smoothing <= 0)
    return;
  if (label_smoothing_given)
    throw InputError("--label-smoothing must be 0 for --model " + architecture);
  smoothing = 0;
}

}  // namespace attn
