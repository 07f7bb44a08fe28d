#include "libattn/train/trainer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/decode/search.h"
#include "libattn/train/checkpoint_average.h"
#include "libattn/train/metrics.h"
#include "libattn/train/optimizer_io.h"

namespace attn {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<int> g_stop_signal{0};

void on_stop_signal(int signal) {
  g_stop_signal.store(signal);
  stop_requested().store(true);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60)
                   : fmt::format("{}m{:02}s", s / 60, s % 60);
}

// Checkpoints are first written next to the target and renamed, so the directory must
// take new files; a bad --save path found only at the end would lose the whole run.
void check_can_save(const std::string& save_path) {
  const std::filesystem::path parent = std::filesystem::path(save_path).parent_path();
  const std::string directory = parent.empty() ? "." : parent.string();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error))
    throw InputError(save_path + ": cannot save there: " + directory + " is not a directory");
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    throw InputError(save_path + ": cannot save there: " + std::strerror(errno));
}

}  // namespace

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

int stop_signal() { return g_stop_signal.load(); }

void install_stop_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

namespace {

std::string iso8601_utc(std::time_t time) {
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

std::string utc_timestamp() { return iso8601_utc(std::time(nullptr)); }

std::string creation_timestamp() {
  const char* fixed = std::getenv("SOURCE_DATE_EPOCH");
  return iso8601_utc(fixed ? static_cast<std::time_t>(std::strtoll(fixed, nullptr, 10))
                           : std::time(nullptr));
}

Trainer::Trainer(ModelBundle& bundle, Batcher& train, ValidationData* valid,
                 const TrainerOptions& options, Distributed& world)
    : bundle_(bundle),
      train_(train),
      valid_(valid),
      options_(options),
      world_(world),
      validates_(valid != nullptr),
      optimizer_(bundle.model->parameters(), options.adam),
      rng_(rank_seed(options.seed, world.rank())) {
  ATTN_CHECK(options.max_steps > 0 || options.epochs > 0 || options.max_seconds > 0,
             "Trainer: set max_steps, epochs or max_seconds, or training never ends");
  ATTN_CHECK(options.accumulate >= 1, "Trainer: accumulate must be at least 1, got {}",
             options.accumulate);
  ATTN_CHECK(options.average_last <= 1 || options.keep_last >= options.average_last,
             "Trainer: average_last {} needs keep_last >= it, not {}", options.average_last,
             options.keep_last);
  if (world.rank() != 0) {  // rank 0 speaks and writes for the job
    options_.save_path.clear();
    options_.log_json.clear();
    options_.valid_output.clear();
    options_.quiet = true;
    valid_ = nullptr;
  }
  if (!options_.save_path.empty()) check_can_save(options_.save_path);
  // Every file this run writes says which attn wrote it (the best model may come first).
  bundle.metadata.provenance.tool_version = std::string("attn ") + ATTN_VERSION;
  if (options.exponential_smoothing > 0)
    average_ = std::make_unique<ExponentialAverage>(bundle.model->parameters(),
                                                    options.exponential_smoothing);
  if (!options_.log_json.empty()) {
    json_out_.reset(std::fopen(options_.log_json.c_str(), "a"));
    if (!json_out_) throw InputError(options_.log_json + ": cannot open for writing");
  }
}

void Trainer::resume_from(const formats::ModelFile& checkpoint) {
  const formats::TrainingState& state = checkpoint.metadata().training;
  const std::vector<uint64_t>& words = state.rng_state;  // 4 a rank, rank 0 first
  if (checkpoint.kind() != formats::FileKind::kCheckpoint || words.empty() || words.size() % 4 != 0)
    throw InputError(checkpoint.path() +
                     ": not a training checkpoint (a decode-only model cannot be resumed)");
  load_optimizer(optimizer_, checkpoint);
  // A checkpoint of a run without smoothing starts the average at its weights.
  if (average_) average_->load(checkpoint);
  const TrainingSettings settings = read_training_settings(state.optimizer.settings);
  optimizer_.set_step_count(settings.step);
  const size_t first = 4 * static_cast<size_t>(world_.rank());
  if (first + 4 <= words.size()) {
    rng_.set_state({words[first], words[first + 1], words[first + 2], words[first + 3]});
  } else {  // more ranks than the checkpoint's run had: a fresh stream of its own
    rng_ = Rng(rank_seed(words[0] ^ words[1] ^ words[2] ^ words[3], world_.rank()));
  }
  try {
    train_.seek({static_cast<int64_t>(state.data_position.epoch),
                 static_cast<int64_t>(state.data_position.batch_index)});
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {} (to train this model on other data, start a new run "
                                 "with --init-from {})",
                                 checkpoint.path(), e.what(), checkpoint.path()));
  }
  epochs_done_ = static_cast<int64_t>(checkpoint.metadata().provenance.epochs);
  // The epoch of the last step's batch: the one in progress, or the one that step ended.
  epoch_ = static_cast<int64_t>(state.data_position.epoch) +
           (state.data_position.batch_index > 0 ? 1 : 0);
  // A best kept by another metric says nothing about this one: the first validation sets it.
  has_best_ = checkpoint.metadata().provenance.best_valid_metric ==
              valid_metric_name(options_.valid_metric);
  best_valid_score_ = checkpoint.metadata().provenance.best_valid_score;
  last_validated_step_ = optimizer_.step_count();
  stalled_ = settings.stalled_validations;
}

void Trainer::log_json(nlohmann::json record) {
  if (!json_out_) return;
  record["time"] = utc_timestamp();
  std::fprintf(json_out_.get(), "%s\n", record.dump().c_str());
  std::fflush(json_out_.get());
}

void Trainer::save_checkpoint() {
  // Every rank's dropout stream, so a resumed job draws what an uninterrupted one would;
  // a collective, hence before rank 0 alone goes on.
  const auto rng_state = rng_.state();
  const std::vector<uint64_t> rng_states =
      world_.gather(std::vector<uint64_t>(rng_state.begin(), rng_state.end()));
  if (options_.save_path.empty()) return;
  formats::Metadata& meta = bundle_.metadata;
  meta.provenance.steps = static_cast<uint64_t>(optimizer_.step_count());
  meta.provenance.epochs = static_cast<uint64_t>(epochs_done_);
  meta.provenance.best_valid_metric = has_best_ ? valid_metric_name(options_.valid_metric) : "";
  meta.provenance.best_valid_score = has_best_ ? best_valid_score_ : 0;
  meta.training.rng_state = rng_states;
  const BatchPosition position = train_.position();
  meta.training.data_position = {static_cast<uint64_t>(position.epoch),
                                 static_cast<uint64_t>(position.batch), options_.seed};
  meta.training.optimizer.name = options_.adam.decoupled ? "adamw" : "adam";
  TrainingSettings settings;
  settings.step = optimizer_.step_count();
  settings.stalled_validations = stalled_;
  settings.lr = options_.schedule.lr;
  settings.warmup = options_.schedule.warmup;
  settings.lr_schedule = options_.schedule.kind;
  settings.beta1 = options_.adam.beta1;
  settings.beta2 = options_.adam.beta2;
  settings.eps = options_.adam.eps;
  settings.weight_decay = options_.adam.weight_decay;
  settings.label_smoothing = options_.step.label_smoothing;
  settings.clip_norm = options_.step.clip_norm;
  settings.batch_tokens = train_.options().batch_tokens;
  settings.max_length = train_.options().max_length;
  settings.max_length_crop = train_.options().too_long == TooLong::kCrop;
  settings.accumulate = options_.accumulate;
  meta.training.optimizer.settings = settings_map(settings);
  std::vector<formats::TensorToWrite> extra = optimizer_tensors(optimizer_);
  if (average_) {
    const std::vector<formats::TensorToWrite> averages = average_->tensors();
    extra.insert(extra.end(), averages.begin(), averages.end());
  }
  save_bundle(options_.save_path, formats::FileKind::kCheckpoint, bundle_, extra);
  save_numbered();
}

void Trainer::save_best() {
  if (options_.save_path.empty()) return;
  bundle_.metadata.provenance.steps = static_cast<uint64_t>(optimizer_.step_count());
  bundle_.metadata.provenance.epochs = static_cast<uint64_t>(epochs_done_);
  bundle_.metadata.provenance.best_valid_metric = valid_metric_name(options_.valid_metric);
  bundle_.metadata.provenance.best_valid_score = best_valid_score_;
  save_bundle(best_model_path(options_.save_path), formats::FileKind::kModel, bundle_);
}

// Global batch g of ranks x accumulate batches: rank r builds batches r*accumulate ..
// (r+1)*accumulate - 1 of it and skips the rest, so every rank's data position stays that of
// the whole job, and no rank builds a batch it does not train on.
std::vector<Batch> Trainer::next_batches() {
  std::vector<Batch> mine;
  const int64_t per_rank = options_.accumulate;
  for (int64_t i = 0; i < per_rank * world_.size(); ++i) {
    if (i / per_rank == world_.rank()) {
      mine.push_back(train_.next());
    } else {
      train_.skip();
    }
  }
  return mine;
}

// NAME.step-N.attn next to each checkpoint, the oldest beyond keep_last removed once the new
// one is safely written.
void Trainer::save_numbered() {
  const int64_t step = optimizer_.step_count();
  if (options_.save_path.empty() || options_.keep_last <= 0 || step == last_numbered_step_) return;
  AverageSwap smoothed(average_.get());
  save_bundle(numbered_model_path(options_.save_path, step), formats::FileKind::kModel, bundle_);
  last_numbered_step_ = step;
  remove_older_numbered(options_.save_path, options_.keep_last);
}

void Trainer::average_last() {
  if (options_.save_path.empty() || options_.average_last < 2) return;
  std::vector<std::string> paths = numbered_models(options_.save_path);
  if (static_cast<int64_t>(paths.size()) > options_.average_last)
    paths.erase(paths.begin(), paths.end() - options_.average_last);
  const std::string out = average_model_path(options_.save_path);
  if (paths.size() < 2) {
    if (!options_.quiet)
      fmt::print(stderr, "attn-train: no {} written: {} numbered model(s) to average\n", out,
                 paths.size());
    return;
  }
  save_bundle(out, formats::FileKind::kModel, average_models(paths));
  if (!options_.quiet)
    fmt::print(stderr, "attn-train: {} is the mean of the last {} numbered models\n", out,
               paths.size());
}

void Trainer::write_valid_output(const std::vector<std::string>& hypotheses) {
  if (options_.valid_output.empty()) return;
  std::string path = options_.valid_output;
  for (size_t at; (at = path.find("{step}")) != std::string::npos;)
    path.replace(at, 6, std::to_string(optimizer_.step_count()));
  std::ofstream out(path);
  for (const std::string& line : hypotheses) out << line << "\n";
  out.flush();
  if (!out) throw InputError(path + ": cannot write the validation output");
}

ValidationResult Trainer::validate() {
  ValidationResult result;
  if (!valid_) return result;
  double nll = 0;
  int64_t tokens = 0, correct = 0;
  Batcher& batches = *valid_->batches;
  for (const auto& indices : batches.plan(0)) {
    Batch batch = batches.make_batch(indices);
    StepStats stats = evaluate_batch(*bundle_.model, batch.source, batch.target_in,
                                     batch.target_out, arena_);
    nll += stats.nll_sum;
    tokens += stats.tokens;
    correct += stats.correct;
  }
  result.loss = tokens ? nll / tokens : 0;
  result.perplexity = std::exp(result.loss);
  result.accuracy = tokens ? double(correct) / tokens : 0;

  const size_t limit = std::min<size_t>(valid_->sources.size(),
                                        static_cast<size_t>(options_.valid_decode_limit));
  if (limit > 0) {
    NoGrad no_grad;
    std::vector<std::string> hypotheses, references;
    BeamOptions beam;
    beam.beam_size = std::max(options_.valid_beam_size, 1);
    const size_t chunk = 64;
    for (size_t begin = 0; begin < limit; begin += chunk) {
      const size_t end = std::min(limit, begin + chunk);
      std::vector<std::vector<int32_t>> sources(valid_->sources.begin() + begin,
                                                valid_->sources.begin() + end);
      std::vector<NBest> decoded = search(*bundle_.model, sources, beam);
      for (size_t i = 0; i < decoded.size(); ++i) {
        hypotheses.push_back(decoded[i].empty() ? "" : bundle_.target.decode(decoded[i][0].tokens));
        references.push_back(valid_->references[begin + i]);
      }
    }
    result.bleu = corpus_bleu(hypotheses, references);
    result.chrf = corpus_chrf(hypotheses, references);
    result.exact_match = exact_match(hypotheses, references);
    result.wer = word_error_rate(hypotheses, references);
    write_valid_output(hypotheses);
  }
  return result;
}

void Trainer::report(const StepStats& stats, double tokens_per_second, double communication_share) {
  last_reported_step_ = optimizer_.step_count();
  if (options_.quiet) return;
  const int64_t step = optimizer_.step_count();
  std::string line = fmt::format(
      "[{}] step {:>6}  epoch {:>3}  loss {:.4f}  lr {:.3g}  |g| {:.3g}  {:.0f} tok/s",
      utc_timestamp(), step, epoch_, stats.loss, stats.lr, stats.grad_norm, tokens_per_second);
  if (world_.size() > 1)
    line += fmt::format("  {} ranks, {:.0f}% in MPI", world_.size(), 100 * communication_share);
  if (options_.max_steps > 0 && tokens_per_second > 0 && step < options_.max_steps) {
    // ETA from the recent rate, assuming batches keep their size.
    double steps_per_second = tokens_per_second / std::max<int64_t>(stats.tokens, 1);
    line += "  eta " + format_duration((options_.max_steps - step) / steps_per_second);
  }
  if (isatty(STDERR_FILENO)) {
    // Redrawn in place until something else is printed or the run ends.
    fmt::print(stderr, "\r\033[K{}", line);
    progress_line_open_ = true;
  } else {
    fmt::print(stderr, "{}\n", line);
  }
}

void Trainer::end_progress_line() {
  if (!progress_line_open_) return;
  fmt::print(stderr, "\n");
  progress_line_open_ = false;
}

bool Trainer::validate_and_save() {
  const int64_t step = optimizer_.step_count();
  last_validated_step_ = step;
  {
    AverageSwap smoothed(average_.get());  // validated and kept as the best: the average
    ValidationResult v = validate();
    // Only rank 0 has validated; every rank takes its score, so all decide alike below.
    const double score = world_.broadcast(metric_value(options_.valid_metric, v));
    const bool improved = !has_best_ || is_better(options_.valid_metric, score, best_valid_score_);
    if (improved) {
      best_valid_score_ = score;
      has_best_ = true;
      stalled_ = 0;
    } else {
      ++stalled_;
    }
    if (!options_.quiet) {
      end_progress_line();
      fmt::print(stderr,
                 "[{}] valid step {:>6}: loss {:.4f}  ppl {:.2f}  acc {:.2f}%  bleu {:.2f}  chrf "
                 "{:.2f}  exact {:.2f}%  wer {:.2f}%{}\n",
                 utc_timestamp(), step, v.loss, v.perplexity, 100 * v.accuracy, v.bleu, v.chrf,
                 100 * v.exact_match, 100 * v.wer,
                 improved ? fmt::format("  (best {})", valid_metric_name(options_.valid_metric))
                          : std::string());
    }
    log_json({{"type", "valid"}, {"step", step}, {"epoch", epoch_}, {"loss", v.loss},
              {"perplexity", v.perplexity}, {"accuracy", v.accuracy}, {"bleu", v.bleu},
              {"chrf", v.chrf}, {"exact_match", v.exact_match}, {"wer", v.wer},
              {"best", improved}});
    if (improved) save_best();
  }
  save_checkpoint();  // the parameters training goes on with, and the average
  if (options_.early_stopping > 0 && stalled_ >= options_.early_stopping) {
    if (!options_.quiet)
      fmt::print(stderr, "early stopping: {} validations without improvement\n", stalled_);
    return true;
  }
  return false;
}

TrainResult Trainer::run() {
  TrainResult result;
  const bool terminal = isatty(STDERR_FILENO);
  const Clock::time_point run_start = Clock::now();
  const int64_t first_step = optimizer_.step_count();
  Clock::time_point window_start = Clock::now();
  double window_communication = world_.communication_seconds();
  int64_t window_tokens = 0;
  StepStats last;
  double recent_rate = 0, recent_communication = 0;
  auto validation_due = [&](bool epoch_ended) {
    if (!validates_) return false;
    return options_.valid_every > 0 ? optimizer_.step_count() % options_.valid_every == 0
                                    : epoch_ended;
  };
  for (;;) {
    if (options_.max_steps > 0 && optimizer_.step_count() >= options_.max_steps) break;
    if (options_.epochs > 0 && epochs_done_ >= options_.epochs) break;
    if (world_.any(stop_requested().load())) {  // a signal on any rank stops them all here
      result.interrupted = true;
      break;
    }
    // Clocks differ between ranks: they stop together when any is out of time.
    if (options_.max_seconds > 0 &&
        world_.any(seconds_since(run_start) >= options_.max_seconds)) {
      result.out_of_time = true;
      break;
    }
    const int64_t epoch_before = train_.position().epoch;
    last = train_step(*bundle_.model, optimizer_, options_.schedule, next_batches(), options_.step,
                      rng_, arena_, world_);
    if (!std::isfinite(last.loss))
      throw Error(fmt::format("training diverged at step {}: loss is {} (lower --lr or set --clip-norm)",
                              optimizer_.step_count(), last.loss));
    result.losses.push_back(last.loss);
    if (average_) average_->update(optimizer_.step_count());
    epoch_ = epoch_before + 1;
    const bool epoch_ended = train_.position().epoch != epoch_before;
    if (epoch_ended) ++epochs_done_;
    window_tokens += last.tokens;
    const int64_t step = optimizer_.step_count();
    const double elapsed = seconds_since(window_start);
    if ((terminal && elapsed > 0.5) || step % std::max<int64_t>(options_.report_every, 1) == 0) {
      recent_rate = window_tokens / std::max(elapsed, 1e-9);
      recent_communication =
          (world_.communication_seconds() - window_communication) / std::max(elapsed, 1e-9);
      report(last, recent_rate, recent_communication);
      nlohmann::json record{{"type", "train"}, {"step", step}, {"epoch", epoch_},
                            {"loss", last.loss}, {"lr", last.lr}, {"grad_norm", last.grad_norm},
                            {"tokens_per_second", recent_rate}};
      if (world_.size() > 1) {
        record["ranks"] = world_.size();
        record["communication_share"] = recent_communication;
      }
      log_json(record);
      window_start = Clock::now();
      window_communication = world_.communication_seconds();
      window_tokens = 0;
    }
    if (validation_due(epoch_ended) && validate_and_save()) {
      result.early_stopped = true;
      break;
    }
    if (options_.save_every > 0 && step % options_.save_every == 0) save_checkpoint();
  }
  const int64_t step = optimizer_.step_count();
  // The model the run ends with is validated (a best checkpoint may be the last one), unless
  // a signal asked for a quick stop or this run took no step.
  if (validates_ && !result.interrupted && !result.early_stopped && step > first_step &&
      last_validated_step_ != step)
    validate_and_save();
  if (!options_.quiet && terminal && last_reported_step_ != step && step > first_step)
    report(last, recent_rate, recent_communication);
  if (!options_.quiet) end_progress_line();
  save_checkpoint();
  if (!has_best_ && !options_.save_path.empty()) {
    // Without validation the last model is the best we know.
    AverageSwap smoothed(average_.get());
    save_bundle(best_model_path(options_.save_path), formats::FileKind::kModel, bundle_);
  }
  average_last();
  result.steps = step;
  result.epochs = epochs_done_;
  result.epoch = epoch_;
  result.best_valid_score = best_valid_score_;
  return result;
}

}  // namespace attn
