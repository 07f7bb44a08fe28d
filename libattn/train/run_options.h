// How attn-train's run trains, typed as its flags give it, and the rules that turn them into
// the Trainer's options: values refused up front (the library would meet some only after
// hours of training), a resumed run's saved settings continued where the command line leaves
// them out, the schedule and optimizer made from their names, the save paths checked against
// the data, and what an architecture cannot train with.
//
//   TrainRunOptions run;                      // the flags
//   check_run_options(run);
//   continue_saved_settings("run.attn", meta, given, run);   // --resume only
//   finish_run_options(run, false);           // run.trainer is ready
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "formats/metadata.h"
#include "libattn/train/trainer.h"
#include "libattn/train/training_data.h"

namespace attn {

struct TrainRunOptions {
  DataOptions data;
  TrainerOptions trainer;  // schedule and adam are made by finish_run_options
  std::string optimizer = "adam";                // adam | adamw
  std::string lr_schedule = "inverse-sqrt";      // inverse-sqrt | constant | cosine | linear
  float lr = 5e-4f;                              // peak learning rate
  int64_t warmup = 4000;                         // steps
};

// InputError naming the flag of the first value out of its range.
void check_run_options(const TrainRunOptions& run);

// A resumed run continues as the checkpoint's run went on: the same data order (the seed),
// batching, learning-rate curve (schedule, peak and warmup), loss (label smoothing), clipping
// and optimizer, not defaults. `given(flag)` says whether the command line (or config file)
// set that flag ("lr", "lr-schedule", ...), which then wins. The settings are checked again,
// as input read from `checkpoint`.
void continue_saved_settings(const std::string& checkpoint, const formats::Metadata& meta,
                             const std::function<bool(const std::string& flag)>& given,
                             TrainRunOptions& run);

// run.trainer's length where no flag gives one (the `synthetic` benchmark: 20 steps; training:
// 10 epochs), batching (crop, seed), learning-rate schedule (InputError when cosine or linear
// decay has no room after the warmup) and optimizer.
void finish_run_options(TrainRunOptions& run, bool synthetic);

// The checkpoint and best-model paths must not replace a data file (--resume FILE --save FILE
// is how training continues: the file was read into memory and is replaced atomically).
void check_save_paths(const TrainRunOptions& run);

// What `architecture` cannot train with: label smoothing toward the impossible positions of a
// pointer model (pointer_network.h) is an infinite loss, so it trains without; InputError if
// the smoothing was asked for (`label_smoothing_given`).
void fit_to_architecture(const std::string& architecture, bool label_smoothing_given,
                         TrainRunOptions& run);

}  // namespace attn
