// The training loop: batches in, checkpoints out, with validation, early stopping, resume
// and a clean stop on SIGINT/SIGTERM.
//
//   Trainer trainer(bundle, train_batcher, valid_data, options);
//   trainer.resume_from(checkpoint_file);      // optional: optimizer, RNG, data position
//   TrainResult result = trainer.run();
//
// Files (checkpoint_files.h): options.save_path holds the last checkpoint (resumable,
// optimizer included), NAME.best.attn the model with the best validation metric, and with
// keep_last NAME.step-N.attn numbered models (decode-only). All are written atomically, so an
// interrupted run never loses the last good file.
//
// Under mpirun (a `world` of several ranks) every rank builds its own share of each global
// batch of ranks x accumulate batches and the gradients are summed (train_step); rank 0
// alone prints, validates and writes files, and the checkpoint holds every rank's RNG state.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "libattn/data/batching.h"
#include "libattn/decode/hypothesis.h"
#include "libattn/models/model_bundle.h"
#include "libattn/train/checkpoint_files.h"
#include "libattn/train/distributed.h"
#include "libattn/train/exponential_average.h"
#include "libattn/train/lr_schedule.h"
#include "libattn/train/optimizer.h"
#include "libattn/train/train_step.h"
#include "libattn/train/training_settings.h"
#include "libattn/train/validation_metric.h"

namespace attn {

struct TrainerOptions {
  StepOptions step;
  LrSchedule schedule;
  AdamOptions adam;
  int64_t accumulate = 1;      // batches summed into one update (Marian's --optimizer-delay)
  int64_t max_steps = 0;       // 0: no limit
  int64_t epochs = 0;          // 0: no limit (one of the two must be set)
  int64_t valid_every = 0;     // steps between validations; 0: at the end of each epoch
  int64_t early_stopping = 0;  // stop after this many validations without improvement; 0: off
  int64_t report_every = 100;  // steps between progress lines when stderr is not a terminal
  int64_t valid_decode_limit = 500;  // validation sentences decoded for BLEU/chrF/WER
  int valid_beam_size = 1;             // 1: greedy
  ValidMetric valid_metric = ValidMetric::kLoss;  // picks the best checkpoint
  std::string valid_output;    // each validation's decodes, one a line ("{step}" -> the step)
  int64_t save_every = 0;      // steps between checkpoints; 0: at validations and the end
  int64_t keep_last = 0;       // numbered models kept (NAME.step-N.attn); 0: none written
  int64_t average_last = 0;    // at the end, NAME.average.attn = mean of the last N numbered
  double max_seconds = 0;      // wall-clock budget of this run; then save and stop. 0: none
  // > 0: validation, NAME.best.attn and the numbered models use an exponential moving
  // average of the parameters with this factor (exponential_average.h); 0: off.
  double exponential_smoothing = 0;
  std::string save_path;       // empty: nothing is written
  std::string log_json;        // one JSON object per report and validation
  bool quiet = false;
  uint64_t seed = 1;
};

// Validation data as raw text (for BLEU/chrF against the references) and as batches.
struct ValidationData {
  std::vector<std::vector<int32_t>> sources;  // ids, for decoding
  std::vector<std::string> references;        // raw target text
  std::unique_ptr<Batcher> batches;           // corpus order
};

struct TrainResult {
  int64_t steps = 0;
  int64_t epochs = 0;        // completed passes over the data
  int64_t epoch = 0;         // the epoch (from 1) of the last step's batch, as every line says
  bool interrupted = false;  // stopped by SIGINT/SIGTERM (and saved)
  bool early_stopped = false;
  bool out_of_time = false;  // stopped by max_seconds (and saved)
  double best_valid_score = 0;  // of options.valid_metric
  std::vector<double> losses;  // the training loss of every step, in order
};

// Set by the SIGINT/SIGTERM handler that install_stop_handlers() installs.
std::atomic<bool>& stop_requested();
void install_stop_handlers();
// The signal that set stop_requested() (SIGINT or SIGTERM); 0 when none did.
int stop_signal();

class Trainer {
 public:
  Trainer(ModelBundle& bundle, Batcher& train, ValidationData* valid,
          const TrainerOptions& options, Distributed& world = single_process());

  // Continues from a checkpoint's optimizer moments and step, RNG state and data position.
  void resume_from(const formats::ModelFile& checkpoint);
  TrainResult run();
  ValidationResult validate();

 private:
  void save_checkpoint();
  void save_best();
  void save_numbered();
  void average_last();
  // Validates, keeps the best model and saves; true when early stopping says stop.
  bool validate_and_save();
  void write_valid_output(const std::vector<std::string>& hypotheses);
  void report(const StepStats& stats, double tokens_per_second, double communication_share);
  void end_progress_line();
  void log_json(nlohmann::json record);
  std::vector<Batch> next_batches();

  ModelBundle& bundle_;
  Batcher& train_;
  ValidationData* valid_;
  TrainerOptions options_;
  Distributed& world_;
  bool validates_;  // on every rank alike: when to validate, and so when to agree on stopping
  Adam optimizer_;
  std::unique_ptr<ExponentialAverage> average_;  // with options.exponential_smoothing
  Rng rng_;
  Arena arena_;
  double best_valid_score_ = 0;
  bool has_best_ = false;
  int64_t stalled_ = 0;
  int64_t epochs_done_ = 0;
  int64_t epoch_ = 0;                   // of the last step's batch, from 1
  int64_t last_validated_step_ = -1;
  int64_t last_numbered_step_ = -1;
  bool progress_line_open_ = false;     // a terminal line waiting for its newline
  int64_t last_reported_step_ = -1;
  std::unique_ptr<FILE, int (*)(FILE*)> json_out_{nullptr, &std::fclose};
};

// "2026-12-06T04:33:12Z": the time on progress lines and JSON log records.
std::string utc_timestamp();
// The same for a file's creation time, but SOURCE_DATE_EPOCH when set (the reproducible-builds
// convention), so two runs can write byte-identical files.
std::string creation_timestamp();

}  // namespace attn
