// attn-train: train a model on parallel text and save it as one .attn file.
//
//   attn-train --train train.tsv --valid dev.tsv --preset small --save model.attn
//   attn-train --train-src train.de --train-tgt train.en --tokens spm --spm-vocab-size 8000 ...
//   attn-train --resume model.attn --max-steps 800         # continue the run, its flags kept
//   attn-train --init-from model.attn --train new.tsv --save tuned.attn   # fine-tune
//   attn-train --synthetic --preset small --batch 64 --src-len 30 --tgt-len 30 --max-steps 20
//   mpirun -np 4 attn-train --train train.tsv ... # data-parallel: 4 ranks, one model
//
// Every option can also come from a config file (--config run.ini, "key = value" lines);
// --dump-config prints the effective configuration in that syntax.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "formats/crc32.h"
#include "formats/output_file.h"
#include "libattn/core/memory.h"
#include "libattn/core/threads.h"
#include "libattn/data/corpus.h"
#include "libattn/models/registry.h"
#include "libattn/train/distributed.h"
#include "libattn/train/trainer.h"
#include "tools/model_flags.h"
#include "tools/thread_flag.h"
#include "tools/tool_main.h"

namespace po = boost::program_options;

namespace attn {
namespace {

struct DataFlags {
  std::string train, train_src, train_tgt, valid, valid_src, valid_tgt;
  std::string tokens = "words";
  std::string vocab_from, spm_model;  // reuse a model's codecs / a SentencePiece model file
  int spm_vocab_size = 0;
  int64_t vocab_size = 0, min_count = 1;
  BatchOptions batch;
  bool crop = false;
};

ParallelCorpus read_corpus(const std::string& tsv, const std::string& src, const std::string& tgt,
                           const char* what) {
  if (!tsv.empty() && (!src.empty() || !tgt.empty()))
    throw InputError(fmt::format("give --{0} or --{0}-src/--{0}-tgt, not both", what));
  if (!tsv.empty()) return read_parallel_tsv(tsv);
  if (src.empty() != tgt.empty())
    throw InputError(fmt::format("--{0}-src and --{0}-tgt go together", what));
  if (src.empty()) return {};
  return read_parallel_files(src, tgt);
}

std::vector<std::vector<std::string>> tokenize_all(const Tokenizer& tokenizer,
                                                   const std::vector<std::string>& lines,
                                                   const std::string& name) {
  std::vector<std::vector<std::string>> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i)
    out.push_back(tokenizer.split(lines[i], fmt::format("{}:{}", name, i + 1)));
  return out;
}

std::vector<Example> to_examples(const TextCodec& source, const TextCodec& target,
                                 const ParallelCorpus& corpus, const std::string& name) {
  std::vector<Example> examples;
  examples.reserve(corpus.sources.size());
  for (int64_t i = 0; i < corpus.size(); ++i) {
    const std::string where = fmt::format("{}:{}", name, i + 1);
    examples.push_back({source.encode(corpus.sources[i], where), target.encode(corpus.targets[i], where)});
  }
  return examples;
}

// The tokenizer and vocabularies of an existing model (--vocab-from) or SentencePiece model
// file (--spm-model), so runs that share them produce interchangeable ids (ensembles,
// averaging, fine-tuning chains).
void reuse_codecs(const DataFlags& flags, bool shared_vocab, ModelBundle& bundle) {
  if (!flags.vocab_from.empty()) {
    const ModelBundle other = load_bundle(flags.vocab_from, BindMode::kMap);
    if (shared_vocab && other.source.vocab.tokens() != other.target.vocab.tokens())
      throw InputError(flags.vocab_from +
                       ": --shared-vocab needs one vocabulary, and this model has two");
    bundle.source = other.source;
    bundle.target = other.target;
    return;
  }
  std::ifstream in(flags.spm_model, std::ios::binary);
  if (!in) throw InputError(flags.spm_model + ": cannot open the SentencePiece model");
  const std::string proto((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Tokenizer tokenizer = Tokenizer::words();
  try {
    tokenizer = Tokenizer::load_sentencepiece(proto);
  } catch (const InputError& e) {
    throw InputError(flags.spm_model + ": " + e.what());
  }
  const Vocabulary vocab = tokenizer.sentencepiece_vocabulary();
  bundle.source = {tokenizer, vocab};
  bundle.target = {tokenizer, vocab};
}

// Builds tokenizer and vocabularies from the training data, or reuses given ones.
void build_codecs(const DataFlags& flags, const ParallelCorpus& corpus, const std::string& name,
                  bool shared_vocab, ModelBundle& bundle) {
  if (!flags.vocab_from.empty() || !flags.spm_model.empty())
    return reuse_codecs(flags, shared_vocab, bundle);
  const TokenizerKind kind = parse_tokenizer_kind(flags.tokens);
  Tokenizer tokenizer = Tokenizer::words();
  if (kind == TokenizerKind::kCharacters) tokenizer = Tokenizer::characters();
  if (kind == TokenizerKind::kSentencePiece) {
    std::vector<std::string> text = corpus.sources;
    text.insert(text.end(), corpus.targets.begin(), corpus.targets.end());
    SentencePieceOptions spm;
    if (flags.spm_vocab_size > 0) spm.vocab_size = flags.spm_vocab_size;
    tokenizer = Tokenizer::train_sentencepiece(text, spm);
    Vocabulary vocab = tokenizer.sentencepiece_vocabulary();
    bundle.source = {tokenizer, vocab};
    bundle.target = {tokenizer, vocab};
    return;
  }
  const VocabOptions options{flags.vocab_size, flags.min_count};
  auto source_tokens = tokenize_all(tokenizer, corpus.sources, name);
  auto target_tokens = tokenize_all(tokenizer, corpus.targets, name);
  if (shared_vocab) {
    source_tokens.insert(source_tokens.end(), target_tokens.begin(), target_tokens.end());
    Vocabulary vocab = Vocabulary::build(count_tokens(source_tokens), options);
    bundle.source = {tokenizer, vocab};
    bundle.target = {tokenizer, vocab};
  } else {
    bundle.source = {tokenizer, Vocabulary::build(count_tokens(source_tokens), options)};
    bundle.target = {tokenizer, Vocabulary::build(count_tokens(target_tokens), options)};
  }
}

// Flag values the library would reject only once training reaches them (some after hours,
// as internal errors): bad usage, said up front with the flag's name.
void check_training_flags(const DataFlags& data, const TrainerOptions& trainer, float lr,
                          int64_t warmup) {
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
  require(lr > 0, fmt::format("--lr must be positive, not {}", lr));
  require(warmup >= 0, fmt::format("--warmup must be 0 or positive, not {}", warmup));
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

// "90s", "45m", "2h" or plain seconds -> seconds.
double parse_duration(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  const std::string unit = end ? end : "";
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (end == text.c_str() || scale == 0 || !(value > 0))
    throw InputError(fmt::format("--max-time must be a positive duration like 90s, 45m or 2h, "
                                 "not '{}'",
                                 text));
  return value * scale;
}

// Options that say what to do with this invocation rather than how the run trains: never
// saved with a run, never carried into a resumed one.
const std::set<std::string> kNotRunOptions = {"help",      "version",   "config", "dump-config",
                                              "resume",    "init-from", "save",   "synthetic"};

// An option's value as a config file writes it.
std::string option_text(const boost::any& v) {
  if (auto* s = boost::any_cast<std::string>(&v)) return *s;
  if (auto* i = boost::any_cast<int>(&v)) return std::to_string(*i);
  if (auto* l = boost::any_cast<int64_t>(&v)) return std::to_string(*l);
  if (auto* u = boost::any_cast<uint64_t>(&v)) return std::to_string(*u);
  if (auto* f = boost::any_cast<float>(&v)) return fmt::format("{}", *f);
  if (auto* d = boost::any_cast<double>(&v)) return fmt::format("{}", *d);
  if (auto* b = boost::any_cast<bool>(&v)) return *b ? "true" : "false";
  return "";
}

// The options given on the command line or in a config file, as text: what a checkpoint
// keeps of its run (a default is not an option given, and stays a default).
std::map<std::string, std::string> given_options(const po::variables_map& vm) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : vm)
    if (!value.defaulted() && !kNotRunOptions.count(key) && !value.value().empty())
      out[key] = option_text(value.value());
  return out;
}

// A resumed run continues with the options its checkpoint was trained with; those given now
// override them. A data source given now replaces the saved one as a whole (--train replaces
// --train-src/--train-tgt and the other way round).
void carry_run_options(const std::map<std::string, std::string>& saved,
                       const po::options_description& all, po::variables_map& vm) {
  auto given_now = [&](const std::string& key) { return vm.count(key) && !vm[key].defaulted(); };
  std::string text;
  for (const auto& [key, value] : saved) {
    if (kNotRunOptions.count(key) || given_now(key)) continue;
    bool replaced = false;
    for (const char* group : {"train", "valid"}) {
      const std::string g = group;
      if (key == g || key == g + "-src" || key == g + "-tgt")
        replaced = given_now(g) || given_now(g + "-src") || given_now(g + "-tgt");
    }
    if (!replaced) text += key + " = " + value + "\n";
  }
  std::istringstream in(text);
  po::store(po::parse_config_file(in, all, /*allow_unregistered=*/true), vm);
}

// Without these flags a resumed run continues as the checkpoint's run went on: the same
// data order (the seed), batching, learning-rate curve (schedule, peak and warmup), loss
// (label smoothing), clipping and optimizer, not defaults.
void continue_checkpoint_settings(const po::variables_map& vm, const formats::Metadata& meta,
                                  TrainerOptions& trainer, DataFlags& data, std::string& optimizer,
                                  std::string& lr_schedule, float& lr, int64_t& warmup) {
  if (vm["seed"].defaulted()) trainer.seed = meta.training.data_position.shuffle_seed;
  if (vm["optimizer"].defaulted() && !meta.training.optimizer.name.empty())
    optimizer = meta.training.optimizer.name;
  const TrainingSettings saved = read_training_settings(meta.training.optimizer.settings);
  auto keep = [&](const char* flag, const auto& value, auto& target) {
    if (value && vm[flag].defaulted()) target = *value;
  };
  keep("lr", saved.lr, lr);
  keep("warmup", saved.warmup, warmup);
  keep("weight-decay", saved.weight_decay, trainer.adam.weight_decay);
  keep("label-smoothing", saved.label_smoothing, trainer.step.label_smoothing);
  keep("clip-norm", saved.clip_norm, trainer.step.clip_norm);
  keep("batch-tokens", saved.batch_tokens, data.batch.batch_tokens);
  keep("max-length", saved.max_length, data.batch.max_length);
  keep("accumulate", saved.accumulate, trainer.accumulate);
  keep("max-length-crop", saved.max_length_crop, data.crop);
  if (saved.lr_schedule && vm["lr-schedule"].defaulted())
    lr_schedule = lr_schedule_kind_name(*saved.lr_schedule);
}

// Cosine and linear decay over --max-steps; checked here, not once training reaches the end
// of warmup.
void check_schedule_fits(const LrSchedule& schedule, const std::string& name) {
  if (schedule.kind != LrScheduleKind::kCosine && schedule.kind != LrScheduleKind::kLinear) return;
  if (schedule.total <= schedule.warmup)
    throw InputError(fmt::format(
        "--lr-schedule {} decays to zero at --max-steps: give --max-steps above --warmup ({}){}",
        name, schedule.warmup, schedule.total == 0 ? "" : fmt::format(", not {}", schedule.total)));
}

// FNV-1a 64 over every source and target line: enough to notice a resume on other data.
std::string corpus_hash(const ParallelCorpus& corpus) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&](const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0x0A) * 1099511628211ull;
  };
  for (int64_t i = 0; i < corpus.size(); ++i) {
    mix(corpus.sources[i]);
    mix(corpus.targets[i]);
  }
  return fmt::format("fnv1a64:{:016x}", hash);
}

// Now, or SOURCE_DATE_EPOCH when set (the reproducible-builds convention), so two runs can
// write byte-identical files.
std::string utc_now_iso8601() {
  const char* fixed = std::getenv("SOURCE_DATE_EPOCH");
  const std::time_t now = fixed ? static_cast<std::time_t>(std::strtoll(fixed, nullptr, 10))
                                : std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Under mpirun every rank must train the same model on the same data: compares every flag
// (output paths, --threads and reporting may differ), the data's contents and the starting
// parameters, and names the first difference.
void require_same_run(Distributed& world, const po::options_description& all,
                      const po::variables_map& vm, const ModelBundle& bundle,
                      std::vector<std::pair<std::string, std::string>> contents) {
  if (world.size() == 1) return;
  static const std::set<std::string> kMayDiffer = {
      "threads", "quiet", "report-every", "log-json", "config", "save", "resume", "init-from",
      "valid-output", "train",
      "train-src", "train-tgt", "valid", "valid-src", "valid-tgt"};
  std::vector<std::pair<std::string, std::string>> named;
  for (const auto& option : all.options()) {
    const std::string& name = option->long_name();
    if (kMayDiffer.count(name)) continue;
    named.emplace_back("--" + name, vm.count(name) ? option_text(vm[name].value()) : "(not given)");
  }
  formats::Crc32 parameters;
  for (const auto& [name, var] : bundle.model->parameters())
    parameters.update(var.value().data(), static_cast<size_t>(var.value().numel()) * sizeof(float));
  contents.emplace_back("the model's parameters (--resume checkpoint or initialisation)",
                        fmt::format("crc32 {:08x}", parameters.value()));
  named.insert(named.end(), contents.begin(), contents.end());
  require_same_on_every_rank(world, named);
}

// Random-token batches of a fixed shape: the throughput benchmark. Prints target tokens/s
// over every step but the first (which pays for first-touch allocation).
// Under mpirun each rank trains on its own random batch of that shape (global tokens/s).
int run_synthetic(ModelBundle& bundle, const TrainerOptions& options, int64_t batch, int64_t src_len,
                  int64_t tgt_len, Distributed& world) {
  const int64_t vocab = bundle.model->vocab_size();
  Rng data_rng(rank_seed(options.seed + 1, world.rank())), rng(rank_seed(options.seed, world.rank()));
  auto random_ids = [&](int64_t rows, int64_t cols, bool bos) {
    Tensor t = Tensor::empty({rows, cols}, DType::kI32);
    for (int64_t i = 0; i < rows * cols; ++i)
      t.ints()[i] = (bos && i % cols == 0) ? 2 : 4 + static_cast<int32_t>(data_rng.below(vocab - 4));
    return t;
  };
  Batch data;
  data.source = random_ids(batch, src_len, false);
  data.target_in = random_ids(batch, tgt_len, true);
  data.target_out = random_ids(batch, tgt_len, false);
  Adam adam(bundle.model->parameters(), options.adam);
  Arena arena;
  const int64_t steps = std::max<int64_t>(options.max_steps, 2);
  auto start = std::chrono::steady_clock::now();
  double communication_start = 0;
  // Page faults are counted after two steps: the first grows the arena, the second
  // takes it as one block.
  int64_t faults_before = 0;
  for (int64_t step = 0; step < steps; ++step) {
    if (step == 1) {
      start = std::chrono::steady_clock::now();
      communication_start = world.communication_seconds();
    }
    if (step == 2) faults_before = minor_page_faults();
    StepStats stats = train_step(*bundle.model, adam, options.schedule, {data}, options.step, rng,
                                 arena, world);
    if (!options.quiet) fmt::print(stderr, "step {:>4}  loss {:.4f}\n", step + 1, stats.loss);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double communication = world.communication_seconds() - communication_start;
  const double faults_per_step =
      steps > 2 ? double(minor_page_faults() - faults_before) / double(steps - 2) : 0.0;
  // The gradients' sum alone, every rank ready (no waiting for a slower one): the figure the
  // scaling estimate in README.md starts from. The best of 5, since on a shared machine noise
  // only ever slows a run down.
  double allreduce_seconds = 0;
  for (int r = 0; r < 5 && world.size() > 1; ++r) {
    world.any(false);  // the ranks leave together
    const auto begin = std::chrono::steady_clock::now();
    sum_gradients(world, adam.parameters());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    allreduce_seconds = r == 0 ? took : std::min(allreduce_seconds, took);
  }
  if (world.rank() != 0) return 0;
  const double rate = double(batch * tgt_len * (steps - 1) * world.size()) / seconds;
  fmt::print(stderr, "attn-train --synthetic: {} steps of {}x{}->{}: target tokens/s: {:.1f}",
             steps - 1, batch, src_len, tgt_len, rate);
  if (steps > 2) fmt::print(stderr, ", minor faults/step: {:.1f}", faults_per_step);
  fmt::print(stderr, "\n");
  if (world.size() > 1) {
    const double bytes = 4.0 * static_cast<double>(count_parameters(bundle.model->parameters()));
    fmt::print(stderr,
               "attn-train --synthetic: {} ranks; share of time in MPI calls: {:.3f}; step: {:.1f} "
               "ms; gradient allreduce: {:.1f} MB in {:.2f} ms (bus bandwidth {:.2f} GB/s)\n",
               world.size(), communication / seconds, 1e3 * seconds / (steps - 1), bytes / 1e6,
               1e3 * allreduce_seconds,
               bytes / allreduce_seconds * 2 * (world.size() - 1) / world.size() / 1e9);
  }
  if (!options.save_path.empty()) {
    // A model of this exact shape for `attn-decode --synthetic -m`, with placeholder
    // vocabularies ("w4", "w5", ...) since the data was random ids.
    std::vector<std::string> tokens = Vocabulary().tokens();
    for (int64_t id = static_cast<int64_t>(tokens.size()); id < vocab; ++id)
      tokens.push_back("w" + std::to_string(id));
    bundle.source.vocab = bundle.target.vocab = Vocabulary::from_tokens(tokens);
    save_bundle(options.save_path, formats::FileKind::kModel, bundle);
  }
  return 0;
}

int train_main(int argc, char** argv, Distributed& world) {
  DataFlags data;
  TrainerOptions trainer;
  std::string model_name = "transformer", preset = "small", resume, init_from, config_file, lr_schedule = "inverse-sqrt";
  std::string optimizer = "adam", max_length_mode, valid_metric = "loss", max_time;
  int threads = 1;
  int64_t synthetic_batch = 64, synthetic_src = 30, synthetic_tgt = 30, vocab_override = 8000;
  float lr = 5e-4f;
  int64_t warmup = 4000;

  po::options_description general("General");
  general.add_options()
    ("help,h", "show this help")
    ("config", po::value(&config_file), "read options from this file (key = value lines)")
    ("dump-config", "print the effective configuration and exit")
    ("save", po::value(&trainer.save_path), "checkpoint path (required, or --resume's file); the best model goes to NAME.best.attn")
    ("version", "print the version and exit")
    ("resume", po::value(&resume), "continue this checkpoint's run: its options, optimizer, "
     "schedule and data position (flags given now override its options; saves to it unless --save)")
    ("init-from", po::value(&init_from), "start a new run from this model's weights and "
     "vocabularies (fine-tuning): fresh optimizer, schedule and data position")
    ("seed", po::value(&trainer.seed)->default_value(1), "random seed (data order, init, dropout)")
    ("threads", po::value(&threads)->default_value(1), "CPU threads")
    ("quiet", po::bool_switch(&trainer.quiet), "no progress output")
    ("log-json", po::value(&trainer.log_json), "append one JSON object per report to this file")
    ("report-every", po::value(&trainer.report_every)->default_value(100), "steps between progress lines (not on a terminal)");
  po::options_description data_options("Data");
  data_options.add_options()
    ("train", po::value(&data.train), "training data: source<TAB>target lines")
    ("train-src", po::value(&data.train_src), "training sources, one per line")
    ("train-tgt", po::value(&data.train_tgt), "training targets, line-aligned with --train-src")
    ("valid", po::value(&data.valid), "validation data: source<TAB>target lines")
    ("valid-src", po::value(&data.valid_src), "validation sources")
    ("valid-tgt", po::value(&data.valid_tgt), "validation targets")
    ("tokens", po::value(&data.tokens)->default_value("words"), "words | chars | spm")
    ("vocab-from", po::value(&data.vocab_from), "take the tokenizer and vocabularies of this model file instead of building them")
    ("spm-model", po::value(&data.spm_model), "tokenize with this SentencePiece model file (its pieces are the vocabulary) instead of training one")
    ("spm-vocab-size", po::value(&data.spm_vocab_size)->default_value(8000), "SentencePiece vocabulary size (--tokens spm)")
    ("vocab-size", po::value(&data.vocab_size)->default_value(0), "most vocabulary entries (0 = all)")
    ("min-count", po::value(&data.min_count)->default_value(1), "rarer tokens become <unk>")
    ("batch-tokens", po::value(&data.batch.batch_tokens)->default_value(4096), "padded tokens per batch")
    ("max-length", po::value(&data.batch.max_length)->default_value(100), "longest sentence in tokens")
    ("max-length-crop", po::bool_switch(&data.crop), "crop longer sentences instead of skipping them");
  po::options_description model_options("Model");
  model_options.add_options()
    ("model", po::value(&model_name)->default_value("transformer"), "transformer | rnn | ntm | snail | pointer | classifier | caption")
    ("preset", po::value(&preset)->default_value("small"), "tiny | small | base");
  add_model_flags(model_options);
  po::options_description training("Training");
  training.add_options()
    ("optimizer", po::value(&optimizer)->default_value("adam"), "adam | adamw")
    ("lr", po::value(&lr)->default_value(5e-4f), "peak learning rate")
    ("lr-schedule", po::value(&lr_schedule)->default_value("inverse-sqrt"), "inverse-sqrt | constant | cosine | linear")
    ("warmup", po::value(&warmup)->default_value(4000), "warmup steps")
    ("weight-decay", po::value(&trainer.adam.weight_decay)->default_value(0.0f), "AdamW decay")
    ("label-smoothing", po::value(&trainer.step.label_smoothing)->default_value(0.1f), "epsilon of label smoothing")
    ("clip-norm", po::value(&trainer.step.clip_norm)->default_value(1.0f), "global gradient norm limit (0 = off)")
    ("epochs", po::value(&trainer.epochs)->default_value(0), "passes over the data (0 = no limit)")
    ("max-steps", po::value(&trainer.max_steps)->default_value(0), "updates (0 = no limit)")
    ("accumulate", po::value(&trainer.accumulate)->default_value(1), "batches summed into one update (under mpirun: per rank)")
    ("valid-every", po::value(&trainer.valid_every)->default_value(0), "steps between validations (0 = each epoch)")
    ("valid-decode", po::value(&trainer.valid_decode_limit)->default_value(500), "validation sentences decoded for BLEU/chrF/exact/WER")
    ("valid-metric", po::value(&valid_metric)->default_value("loss"), "picks NAME.best.attn: loss | perplexity | bleu | chrf | exact | wer")
    ("valid-beam-size", po::value(&trainer.valid_beam_size)->default_value(1), "beam size of validation decoding (1 = greedy)")
    ("valid-output", po::value(&trainer.valid_output), "write each validation's decodes here, one a line ({step} -> the step)")
    ("save-every", po::value(&trainer.save_every)->default_value(0), "steps between checkpoints (0 = at validations and the end)")
    ("keep-last", po::value(&trainer.keep_last)->default_value(0), "keep the last N checkpoints as NAME.step-STEP.attn (decode-only)")
    ("average-last", po::value(&trainer.average_last)->default_value(0), "at the end, write NAME.average.attn: the mean of the last N of them")
    ("exponential-smoothing", po::value(&trainer.exponential_smoothing)->default_value(0)->implicit_value(1e-4),
     "validate and keep (best, numbered) a moving average of the parameters with this factor (no value: 1e-4; 0 = off)")
    ("max-time", po::value(&max_time), "wall-clock budget of this run, then save and stop: 90s, 45m, 2h")
    ("early-stopping", po::value(&trainer.early_stopping)->default_value(0), "stop after N validations without improvement")
    ("synthetic", "benchmark: random-token batches of a fixed shape")
    ("batch", po::value(&synthetic_batch)->default_value(64), "sentences per synthetic batch")
    ("src-len", po::value(&synthetic_src)->default_value(30), "synthetic source length")
    ("tgt-len", po::value(&synthetic_tgt)->default_value(30), "synthetic target length")
    ("vocab", po::value(&vocab_override)->default_value(8000), "synthetic vocabulary size");
  po::options_description all("attn-train: train an attention model on parallel text");
  all.add(general).add(data_options).add(model_options).add(training);

  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, all), vm);
  if (vm.count("help")) {
    std::cout << all << "\n";
    print_model_fields_help(std::cout);
    return 0;
  }
  if (vm.count("version")) return print_version("attn-train");
  if (vm.count("config")) {
    const std::string path = vm["config"].as<std::string>();
    std::ifstream in(path);
    if (!in) throw InputError(path + ": cannot open config file");
    try {
      po::store(po::parse_config_file(in, all), vm);
    } catch (const po::error& e) {
      throw InputError(path + ": " + e.what());
    }
  }
  ModelBundle bundle;
  if (vm.count("resume") && vm.count("init-from"))
    throw InputError("give --resume (continue a run) or --init-from (start a new one), not both");
  if (vm.count("resume")) {
    bundle = load_bundle(vm["resume"].as<std::string>(), BindMode::kCopy);
    carry_run_options(bundle.metadata.training.run_options, all, vm);
  }
  po::notify(vm);
  if (vm.count("dump-config")) {
    // The effective config: the options, and every field of the model (its file's, or the
    // preset's with the flags on top), so that --config of the dump trains the same model.
    std::map<std::string, std::string> lines;
    for (const auto& [key, value] : vm)
      if (key != "dump-config" && key != "config" && key != "help" && !is_model_flag(key))
        lines[key] = option_text(value.value());
    if (!init_from.empty()) bundle = load_bundle(init_from, BindMode::kCopy);
    const std::map<std::string, std::string> fields =
        bundle.model ? model_flag_values(bundle.model->architecture(), bundle.model->config_map())
                     : model_flag_values(model_name, model_config_from_flags(vm, model_name, preset));
    lines.insert(fields.begin(), fields.end());
    for (const auto& [key, value] : lines) fmt::print("{} = {}\n", key, value);
    return 0;
  }
  trainer.valid_metric = parse_valid_metric(valid_metric);
  if (!max_time.empty()) trainer.max_seconds = parse_duration(max_time);
  check_training_flags(data, trainer, lr, warmup);
  if (world.rank() != 0) trainer.quiet = true;  // rank 0 speaks for the job
  apply_thread_flag(threads, "attn-train");
  install_stop_handlers();

  ConfigMap config;
  if ((!init_from.empty() || !resume.empty()) &&
      (!data.vocab_from.empty() || !data.spm_model.empty()))
    throw InputError("--vocab-from and --spm-model are for a new model; --resume and "
                     "--init-from keep their model's vocabularies");
  if (!init_from.empty()) {
    // The model's weights and vocabularies, nothing of its run: a new run starts at step 0.
    bundle = load_bundle(init_from, BindMode::kCopy);
    check_model_flags_match(vm, *bundle.model, init_from);
    bundle.metadata.training = {};
    bundle.metadata.provenance = {};
  }
  if (!resume.empty()) {
    if (!vm.count("save")) trainer.save_path = resume;
    check_model_flags_match(vm, *bundle.model, resume);
    continue_checkpoint_settings(vm, bundle.metadata, trainer, data, optimizer, lr_schedule, lr,
                                 warmup);
    try {  // the file's settings are input like any other
      check_training_flags(data, trainer, lr, warmup);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: saved training settings: {}", resume, e.what()));
    }
  } else if (init_from.empty()) {
    config = model_config_from_flags(vm, model_name, preset);
  }

  if (vm.count("synthetic") && trainer.max_steps == 0) trainer.max_steps = 20;
  data.batch.too_long = data.crop ? TooLong::kCrop : TooLong::kSkip;
  data.batch.seed = trainer.seed;
  trainer.schedule = {parse_lr_schedule_kind(lr_schedule), lr, warmup, trainer.max_steps};
  check_schedule_fits(trainer.schedule, lr_schedule);
  trainer.adam = AdamOptions::named(optimizer, trainer.adam.weight_decay);
  if (!trainer.save_path.empty()) {
    // --resume FILE --save FILE is how training continues (the file is read into memory and
    // replaced atomically); the data files are another matter.
    const std::vector<formats::NamedPath> inputs = {
        {"--train", data.train},         {"--train-src", data.train_src},
        {"--train-tgt", data.train_tgt}, {"--valid", data.valid},
        {"--valid-src", data.valid_src}, {"--valid-tgt", data.valid_tgt}};
    formats::refuse_output_over_inputs({"--save", trainer.save_path}, inputs);
    formats::refuse_output_over_inputs({"--save", best_model_path(trainer.save_path)}, inputs);
    formats::resolve_output_path(trainer.save_path);
    formats::resolve_output_path(best_model_path(trainer.save_path));
  }
  Rng init_rng(trainer.seed);

  if (vm.count("synthetic")) {
    if (!resume.empty() || !init_from.empty())
      throw InputError("--synthetic trains a fresh model; drop --resume and --init-from");
    config["src_vocab"] = config["tgt_vocab"] = std::to_string(vocab_override);
    bundle.model = create_model(model_name, config, init_rng);
    require_same_run(world, all, vm, bundle, {});
    return run_synthetic(bundle, trainer, synthetic_batch, synthetic_src, synthetic_tgt, world);
  }

  const ParallelCorpus train_corpus = read_corpus(data.train, data.train_src, data.train_tgt, "train");
  if (train_corpus.size() == 0) throw InputError("no training data: give --train or --train-src/--train-tgt");
  const std::string train_name = data.train.empty() ? data.train_src : data.train;
  const ParallelCorpus valid_corpus = read_corpus(data.valid, data.valid_src, data.valid_tgt, "valid");
  const std::string valid_name = data.valid.empty() ? data.valid_src : data.valid;
  if (trainer.max_steps == 0 && trainer.epochs == 0 && trainer.max_seconds == 0) trainer.epochs = 10;

  const std::string data_hash = corpus_hash(train_corpus);
  if (!resume.empty() && !bundle.metadata.provenance.data_hash.empty() &&
      bundle.metadata.provenance.data_hash != data_hash && !trainer.quiet)
    fmt::print(stderr,
               "attn-train: warning: {} was trained on other data (hash {}, now {}); to train "
               "its model on new data, start a new run with --init-from\n",
               resume, bundle.metadata.provenance.data_hash, data_hash);
  bundle.metadata.provenance.data_hash = data_hash;
  bundle.metadata.training.run_options = given_options(vm);
  if (resume.empty()) bundle.metadata.provenance.created = utc_now_iso8601();
  if (resume.empty() && init_from.empty()) {
    const bool shared = config.count("shared_vocab") && config["shared_vocab"] == "true";
    build_codecs(data, train_corpus, train_name, shared, bundle);
    if (auto set_target = find_architecture(model_name).capabilities.set_target_vocabulary)
      set_target(bundle, config);
    use_point_source(bundle, config);
    config["src_vocab"] = std::to_string(bundle.source.vocab.size());
    config["tgt_vocab"] = std::to_string(bundle.target.vocab.size());
    bundle.model = create_model(model_name, config, init_rng);
  }

  // A pointer model gives impossible positions probability 0 (pointer_network.h): smoothing
  // toward them is an infinite loss, so it trains without.
  const std::string architecture = bundle.model->architecture();
  if (find_architecture(architecture).capabilities.refuses_label_smoothing &&
      trainer.step.label_smoothing > 0) {
    if (!vm["label-smoothing"].defaulted())
      throw InputError("--label-smoothing must be 0 for --model " + architecture);
    trainer.step.label_smoothing = 0;
  }
  Batcher train_batches(to_examples(bundle.source, bundle.target, train_corpus, train_name), data.batch);
  ValidationData valid;
  if (valid_corpus.size() > 0) {
    BatchOptions valid_options = data.batch;
    valid_options.order = BatchOrder::kCorpus;
    valid_options.max_length = 0;
    valid.batches = std::make_unique<Batcher>(
        to_examples(bundle.source, bundle.target, valid_corpus, valid_name), valid_options);
    for (int64_t i = 0; i < valid_corpus.size(); ++i) {
      valid.sources.push_back(bundle.source.encode(valid_corpus.sources[i], fmt::format("{}:{}", valid_name, i + 1)));
      valid.references.push_back(valid_corpus.targets[i]);
    }
  }
  if (!trainer.quiet) {
    const FilterCounts& counts = train_batches.counts();
    fmt::print(stderr,
               "attn-train: {} {} parameters; vocab {} source / {} target ({}); {} training pairs "
               "({} skipped as longer than {}, {} cropped, {} with an empty source)\n",
               bundle.model->architecture(), count_parameters(bundle.model->parameters()),
               bundle.source.vocab.size(), bundle.target.vocab.size(),
               tokenizer_kind_name(bundle.source.tokenizer.kind()), counts.kept,
               counts.skipped_too_long, data.batch.max_length, counts.cropped, counts.skipped_empty_source);
  }
  // A run that keeps nothing is a lost run (--synthetic, a benchmark, returned above). Checked
  // after the data and config, so their errors come first, but before any step.
  if (trainer.save_path.empty())
    throw InputError("--save FILE is required: where should the trained model go?");
  require_same_run(world, all, vm, bundle,
                   {{"the training data (--train, --train-src/--train-tgt)", data_hash},
                    {"the validation data (--valid, --valid-src/--valid-tgt)", corpus_hash(valid_corpus)}});
  Trainer loop(bundle, train_batches, valid.batches ? &valid : nullptr, trainer, world);
  if (!resume.empty()) loop.resume_from(*bundle.file);
  TrainResult result = loop.run();
  if (!trainer.quiet)
    fmt::print(stderr, "attn-train: {} after {} steps, in epoch {} ({} complete){}\n",
               result.interrupted   ? "interrupted, saved"
               : result.out_of_time ? "out of --max-time, saved"
                                    : "done",
               result.steps, result.epoch, result.epochs,
               trainer.save_path.empty() ? "" : "; saved " + trainer.save_path);
  // The shell's convention for a run a signal ended (130 for Ctrl-C), so a script can tell.
  return result.interrupted ? 128 + stop_signal() : 0;
}

}  // namespace
}  // namespace attn

int main(int argc, char** argv) {
  std::unique_ptr<attn::Distributed> world;
  const int exit_code = attn::run_tool("attn-train", [&] {
    world = attn::start_distributed(&argc, &argv);
    return attn::train_main(argc, argv, *world);
  });
  // After the error line: a failed rank aborts the job instead of leaving the others waiting.
  if (world) world->finish(exit_code);
  return exit_code;
}
