#include "libattn/train/run_options.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "libattn/core/error.h"
#include "libattn/train/training_settings.h"

namespace attn {
namespace {

formats::Metadata checkpoint_with(const TrainingSettings& settings) {
  formats::Metadata meta;
  meta.training.optimizer.name = "adamw";
  meta.training.optimizer.settings = settings_map(settings);
  meta.training.data_position.shuffle_seed = 77;
  return meta;
}

// A resumed run takes what its checkpoint saved, except where a flag was given now.
TEST(RunOptions, ResumeKeepsSavedSettingsUnlessAFlagIsGiven) {
  TrainingSettings saved;
  saved.lr = 0.002f;
  saved.warmup = 10;
  saved.label_smoothing = 0.05f;
  saved.batch_tokens = 512;
  saved.max_length_crop = true;
  saved.lr_schedule = LrScheduleKind::kConstant;
  TrainRunOptions run;
  run.lr = 0.0001f;        // given now
  run.data.batch.batch_tokens = 999;  // given now
  const std::set<std::string> given = {"lr", "batch-tokens"};
  continue_saved_settings("run.attn", checkpoint_with(saved),
                          [&](const std::string& flag) { return given.count(flag) > 0; }, run);
  EXPECT_FLOAT_EQ(run.lr, 0.0001f);
  EXPECT_EQ(run.data.batch.batch_tokens, 999);
  EXPECT_EQ(run.warmup, 10);
  EXPECT_FLOAT_EQ(run.trainer.step.label_smoothing, 0.05f);
  EXPECT_TRUE(run.data.crop);
  EXPECT_EQ(run.lr_schedule, "constant");
  EXPECT_EQ(run.optimizer, "adamw");
  EXPECT_EQ(run.trainer.seed, 77u);
  EXPECT_FLOAT_EQ(run.trainer.step.clip_norm, TrainRunOptions().trainer.step.clip_norm);  // not saved
}

TEST(RunOptions, ASavedSettingOutOfRangeIsBadInputNamingTheFile) {
  TrainingSettings saved;
  saved.label_smoothing = 1.5f;
  TrainRunOptions run;
  try {
    continue_saved_settings("run.attn", checkpoint_with(saved),
                            [](const std::string&) { return false; }, run);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("run.attn: saved training settings: --label-smoothing"),
              std::string::npos)
        << e.what();
  }
}

TEST(RunOptions, DecayingScheduleNeedsStepsAfterTheWarmup) {
  TrainRunOptions run;
  run.lr_schedule = "cosine";
  run.warmup = 100;
  run.trainer.max_steps = 100;
  EXPECT_THROW(finish_run_options(run, false), InputError);
  run.trainer.max_steps = 101;
  finish_run_options(run, false);
  EXPECT_EQ(run.trainer.schedule.kind, LrScheduleKind::kCosine);
  EXPECT_EQ(run.trainer.schedule.total, 101);
}

TEST(RunOptions, WithoutALengthTrainingRunsTenEpochsAndTheBenchmarkTwentySteps) {
  TrainRunOptions training, benchmark, timed;
  finish_run_options(training, false);
  EXPECT_EQ(training.trainer.epochs, 10);
  EXPECT_EQ(training.trainer.max_steps, 0);
  finish_run_options(benchmark, true);
  EXPECT_EQ(benchmark.trainer.epochs, 0);
  EXPECT_EQ(benchmark.trainer.max_steps, 20);
  timed.trainer.max_seconds = 60;  // --max-time is a length too
  finish_run_options(timed, false);
  EXPECT_EQ(timed.trainer.epochs, 0);
}

}  // namespace
}  // namespace attn
