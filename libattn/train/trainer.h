// The training loop: batches in, checkpoints out, with validation, early stopping, resume
// and a clean stop on SIGINT/SIGTERM.
//
//   Trainer trainer(bundle, train_batcher, valid_data, options);
//   trainer.resume_from(checkpoint_file);      // optional: optimizer, RNG, data position
//   TrainResult result = trainer.run();
//
// Files: options.save_path holds the last checkpoint (resumable, optimizer included), and
// <save_path minus .attn>.best.attn the model with the best validation loss (decode-only).
// Both are written atomically, so an interrupted run never loses the last good file.
//
// Under mpirun (a `world` of several ranks) every rank builds its own share of each global
// batch of ranks x accumulate batches and the gradients are summed (train_step); rank 0
// alone prints, validates and writes files, and the checkpoint holds every rank's RNG state.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "libattn/data/batching.h"
#include "libattn/decode/hypothesis.h"
#include "libattn/models/model_bundle.h"
#include "libattn/train/distributed.h"
#include "libattn/train/lr_schedule.h"
#include "libattn/train/optimizer.h"
#include "libattn/train/train_step.h"

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
  int64_t valid_decode_limit = 500;  // validation sentences decoded greedily for BLEU/chrF
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

struct ValidationResult {
  double loss = 0;  // mean NLL per target token
  double perplexity = 0;
  double accuracy = 0;     // token accuracy under teacher forcing
  double bleu = 0;         // of greedy decodes
  double chrf = 0;
  double exact_match = 0;  // fraction of decodes equal to the reference
};

struct TrainResult {
  int64_t steps = 0;
  int64_t epochs = 0;
  bool interrupted = false;  // stopped by SIGINT/SIGTERM (and saved)
  bool early_stopped = false;
  double best_valid_loss = 0;
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
  void report(const StepStats& stats, double tokens_per_second, double communication_share,
              bool final_line);
  void log_json(const std::string& json_line);
  std::vector<Batch> next_batches();

  ModelBundle& bundle_;
  Batcher& train_;
  ValidationData* valid_;
  TrainerOptions options_;
  Distributed& world_;
  bool validates_;  // on every rank alike: when to validate, and so when to agree on stopping
  Adam optimizer_;
  Rng rng_;
  Arena arena_;
  double best_valid_loss_ = 0;
  bool has_best_ = false;
  int64_t stalled_ = 0;
  int64_t epochs_done_ = 0;
  std::unique_ptr<FILE, int (*)(FILE*)> json_out_{nullptr, &std::fclose};
};

// "model.attn" -> "model.best.attn".
std::string best_model_path(const std::string& save_path);

}  // namespace attn
