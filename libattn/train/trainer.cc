#include "libattn/train/trainer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/decode/greedy.h"
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

std::string best_model_path(const std::string& save_path) {
  const std::string suffix = ".attn";
  if (save_path.size() > suffix.size() &&
      save_path.compare(save_path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return save_path.substr(0, save_path.size() - suffix.size()) + ".best.attn";
  return save_path + ".best";
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
  ATTN_CHECK(options.max_steps > 0 || options.epochs > 0,
             "Trainer: set max_steps or epochs, or training never ends");
  ATTN_CHECK(options.accumulate >= 1, "Trainer: accumulate must be at least 1, got {}",
             options.accumulate);
  if (world.rank() != 0) {  // rank 0 speaks and writes for the job
    options_.save_path.clear();
    options_.log_json.clear();
    options_.quiet = true;
    valid_ = nullptr;
  }
  if (!options_.save_path.empty()) check_can_save(options_.save_path);
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
  auto setting = [&](const char* key, double fallback) {
    auto it = state.optimizer.settings.find(key);
    return it == state.optimizer.settings.end() ? fallback : it->second;
  };
  optimizer_.set_step_count(static_cast<int64_t>(setting("step", 0)));
  const size_t first = 4 * static_cast<size_t>(world_.rank());
  if (first + 4 <= words.size()) {
    rng_.set_state({words[first], words[first + 1], words[first + 2], words[first + 3]});
  } else {  // more ranks than the checkpoint's run had: a fresh stream of its own
    rng_ = Rng(rank_seed(words[0] ^ words[1] ^ words[2] ^ words[3], world_.rank()));
  }
  train_.seek({static_cast<int64_t>(state.data_position.epoch),
               static_cast<int64_t>(state.data_position.batch_index)});
  epochs_done_ = static_cast<int64_t>(checkpoint.metadata().provenance.epochs);
  has_best_ = !checkpoint.metadata().provenance.best_valid_metric.empty();
  best_valid_loss_ = checkpoint.metadata().provenance.best_valid_score;
  stalled_ = static_cast<int64_t>(setting("stalled_validations", 0));
}

void Trainer::log_json(const std::string& json_line) {
  if (!json_out_) return;
  std::fprintf(json_out_.get(), "%s\n", json_line.c_str());
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
  meta.provenance.tool_version = std::string("attn ") + ATTN_VERSION;
  meta.provenance.best_valid_metric = has_best_ ? "loss" : "";
  meta.provenance.best_valid_score = has_best_ ? best_valid_loss_ : 0;
  meta.training.rng_state = rng_states;
  const BatchPosition position = train_.position();
  meta.training.data_position = {static_cast<uint64_t>(position.epoch),
                                 static_cast<uint64_t>(position.batch), options_.seed};
  meta.training.optimizer.name = options_.adam.decoupled ? "adamw" : "adam";
  meta.training.optimizer.settings = {
      {"step", static_cast<double>(optimizer_.step_count())},
      {"lr", options_.schedule.lr},
      {"warmup", static_cast<double>(options_.schedule.warmup)},
      {"beta1", options_.adam.beta1},
      {"beta2", options_.adam.beta2},
      {"eps", options_.adam.eps},
      {"weight_decay", options_.adam.weight_decay},
      {"stalled_validations", static_cast<double>(stalled_)},
      // The rest of what makes the run: attn-train continues with these when a resumed
      // command line leaves them out (a default would silently change the run).
      {"lr_schedule", static_cast<double>(options_.schedule.kind)},
      {"label_smoothing", options_.step.label_smoothing},
      {"clip_norm", options_.step.clip_norm},
      {"batch_tokens", static_cast<double>(train_.options().batch_tokens)},
      {"max_length", static_cast<double>(train_.options().max_length)},
      {"max_length_crop", train_.options().too_long == TooLong::kCrop ? 1.0 : 0.0},
      {"accumulate", static_cast<double>(options_.accumulate)}};
  save_bundle(options_.save_path, formats::FileKind::kCheckpoint, bundle_, optimizer_tensors(optimizer_));
}

void Trainer::save_best() {
  if (options_.save_path.empty()) return;
  bundle_.metadata.provenance.steps = static_cast<uint64_t>(optimizer_.step_count());
  bundle_.metadata.provenance.epochs = static_cast<uint64_t>(epochs_done_);
  bundle_.metadata.provenance.best_valid_metric = "loss";
  bundle_.metadata.provenance.best_valid_score = best_valid_loss_;
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
    BeamOptions greedy;
    const size_t chunk = 64;
    for (size_t begin = 0; begin < limit; begin += chunk) {
      const size_t end = std::min(limit, begin + chunk);
      std::vector<std::vector<int32_t>> sources(valid_->sources.begin() + begin,
                                                valid_->sources.begin() + end);
      std::vector<NBest> decoded = greedy_search(*bundle_.model, sources, greedy);
      for (size_t i = 0; i < decoded.size(); ++i) {
        hypotheses.push_back(decoded[i].empty() ? "" : bundle_.target.decode(decoded[i][0].tokens));
        references.push_back(valid_->references[begin + i]);
      }
    }
    result.bleu = corpus_bleu(hypotheses, references);
    result.chrf = corpus_chrf(hypotheses, references);
    result.exact_match = exact_match(hypotheses, references);
  }
  return result;
}

void Trainer::report(const StepStats& stats, double tokens_per_second, double communication_share,
                     bool final_line) {
  if (options_.quiet) return;
  const int64_t step = optimizer_.step_count();
  std::string line = fmt::format("step {:>6}  epoch {:>3}  loss {:.4f}  lr {:.3g}  |g| {:.3g}  {:.0f} tok/s",
                                 step, train_.position().epoch + 1, stats.loss, stats.lr,
                                 stats.grad_norm, tokens_per_second);
  if (world_.size() > 1)
    line += fmt::format("  {} ranks, {:.0f}% in MPI", world_.size(), 100 * communication_share);
  if (options_.max_steps > 0 && tokens_per_second > 0 && step < options_.max_steps) {
    // ETA from the recent rate, assuming batches keep their size.
    double steps_per_second = tokens_per_second / std::max<int64_t>(stats.tokens, 1);
    line += "  eta " + format_duration((options_.max_steps - step) / steps_per_second);
  }
  if (isatty(STDERR_FILENO)) {
    fmt::print(stderr, "\r\033[K{}{}", line, final_line ? "\n" : "");
  } else {
    fmt::print(stderr, "{}\n", line);
  }
}

TrainResult Trainer::run() {
  TrainResult result;
  const bool terminal = isatty(STDERR_FILENO);
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
    const int64_t epoch_before = train_.position().epoch;
    last = train_step(*bundle_.model, optimizer_, options_.schedule, next_batches(), options_.step,
                      rng_, arena_, world_);
    if (!std::isfinite(last.loss))
      throw Error(fmt::format("training diverged at step {}: loss is {} (lower --lr or set --clip-norm)",
                              optimizer_.step_count(), last.loss));
    result.losses.push_back(last.loss);
    const bool epoch_ended = train_.position().epoch != epoch_before;
    if (epoch_ended) ++epochs_done_;
    window_tokens += last.tokens;
    const int64_t step = optimizer_.step_count();
    const double elapsed = seconds_since(window_start);
    if ((terminal && elapsed > 0.5) || step % std::max<int64_t>(options_.report_every, 1) == 0) {
      recent_rate = window_tokens / std::max(elapsed, 1e-9);
      recent_communication =
          (world_.communication_seconds() - window_communication) / std::max(elapsed, 1e-9);
      report(last, recent_rate, recent_communication, false);
      nlohmann::json record{{"type", "train"}, {"step", step}, {"epoch", epochs_done_},
                            {"loss", last.loss}, {"lr", last.lr}, {"grad_norm", last.grad_norm},
                            {"tokens_per_second", recent_rate}};
      if (world_.size() > 1) {
        record["ranks"] = world_.size();
        record["communication_share"] = recent_communication;
      }
      log_json(record.dump());
      window_start = Clock::now();
      window_communication = world_.communication_seconds();
      window_tokens = 0;
    }
    if (validation_due(epoch_ended)) {
      ValidationResult v = validate();
      // Only rank 0 has validated; every rank takes its loss, so all decide alike below.
      v.loss = world_.broadcast(v.loss);
      const bool improved = !has_best_ || v.loss < best_valid_loss_;
      if (improved) {
        best_valid_loss_ = v.loss;
        has_best_ = true;
        stalled_ = 0;
      } else {
        ++stalled_;
      }
      if (!options_.quiet) {
        if (terminal) fmt::print(stderr, "\n");
        fmt::print(stderr,
                   "valid step {:>6}: loss {:.4f}  ppl {:.2f}  acc {:.2f}%  bleu {:.2f}  chrf "
                   "{:.2f}  exact {:.2f}%{}\n",
                   step, v.loss, v.perplexity, 100 * v.accuracy, v.bleu, v.chrf,
                   100 * v.exact_match, improved ? "  (best)" : "");
      }
      log_json(nlohmann::json{{"type", "valid"}, {"step", step}, {"loss", v.loss},
                              {"perplexity", v.perplexity}, {"accuracy", v.accuracy},
                              {"bleu", v.bleu}, {"chrf", v.chrf}, {"exact_match", v.exact_match}}
                   .dump());
      if (improved) save_best();
      save_checkpoint();
      if (options_.early_stopping > 0 && stalled_ >= options_.early_stopping) {
        result.early_stopped = true;
        if (!options_.quiet)
          fmt::print(stderr, "early stopping: {} validations without improvement\n", stalled_);
        break;
      }
    }
  }
  if (!options_.quiet && terminal) report(last, recent_rate, recent_communication, true);
  save_checkpoint();
  if (!has_best_ && !options_.save_path.empty()) {
    // Without validation the last model is the best we know.
    save_bundle(best_model_path(options_.save_path), formats::FileKind::kModel, bundle_);
  }
  result.steps = optimizer_.step_count();
  result.epochs = epochs_done_;
  result.best_valid_loss = best_valid_loss_;
  return result;
}

}  // namespace attn
