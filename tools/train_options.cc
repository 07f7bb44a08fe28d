#include "tools/train_options.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "formats/crc32.h"
#include "libattn/core/error.h"
#include "tools/model_flags.h"

namespace po = boost::program_options;

namespace attn {

namespace {

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

}  // namespace

void declare_train_options(TrainFlags& flags, po::options_description& all) {
  TrainRunOptions& run = flags.run;
  // clang-format off
  po::options_description general("General");
  general.add_options()
    ("help,h", "show this help")
    ("config", po::value(&flags.config_file), "read options from this file (key = value lines)")
    ("dump-config", "print the effective configuration and exit")
    ("save", po::value(&run.trainer.save_path), "checkpoint path (required, or --resume's file); the best model goes to NAME.best.attn")
    ("version", "print the version and exit")
    ("resume", po::value(&flags.resume), "continue this checkpoint's run: its options, optimizer, "
     "schedule and data position (flags given now override its options; saves to it unless --save)")
    ("init-from", po::value(&flags.init_from), "start a new run from this model's weights and "
     "vocabularies (fine-tuning): fresh optimizer, schedule and data position")
    ("seed", po::value(&run.trainer.seed)->default_value(1), "random seed (data order, init, dropout)")
    ("threads", po::value(&flags.threads)->default_value(1), "CPU threads")
    ("quiet", po::bool_switch(&run.trainer.quiet), "no progress output")
    ("log-json", po::value(&run.trainer.log_json), "append one JSON object per report to this file")
    ("report-every", po::value(&run.trainer.report_every)->default_value(100), "steps between progress lines (not on a terminal)");
  po::options_description data_options("Data");
  data_options.add_options()
    ("train", po::value(&run.data.train), "training data: source<TAB>target lines")
    ("train-src", po::value(&run.data.train_src), "training sources, one per line")
    ("train-tgt", po::value(&run.data.train_tgt), "training targets, line-aligned with --train-src")
    ("valid", po::value(&run.data.valid), "validation data: source<TAB>target lines")
    ("valid-src", po::value(&run.data.valid_src), "validation sources")
    ("valid-tgt", po::value(&run.data.valid_tgt), "validation targets")
    ("tokens", po::value(&run.data.tokens)->default_value("words"), "words | chars | spm")
    ("vocab-from", po::value(&run.data.vocab_from), "take the tokenizer and vocabularies of this model file instead of building them")
    ("spm-model", po::value(&run.data.spm_model), "tokenize with this SentencePiece model file (its pieces are the vocabulary) instead of training one")
    ("spm-vocab-size", po::value(&run.data.spm_vocab_size)->default_value(8000), "SentencePiece vocabulary size (--tokens spm)")
    ("vocab-size", po::value(&run.data.vocab_size)->default_value(0), "most vocabulary entries (0 = all)")
    ("min-count", po::value(&run.data.min_count)->default_value(1), "rarer tokens become <unk>")
    ("batch-tokens", po::value(&run.data.batch.batch_tokens)->default_value(4096), "padded tokens per batch")
    ("max-length", po::value(&run.data.batch.max_length)->default_value(100), "longest sentence in tokens")
    ("max-length-crop", po::bool_switch(&run.data.crop), "crop longer sentences instead of skipping them");
  po::options_description model_options("Model");
  model_options.add_options()
    ("model", po::value(&flags.model)->default_value("transformer"), "transformer | rnn | ntm | snail | pointer | classifier | caption")
    ("preset", po::value(&flags.preset)->default_value("small"), "tiny | small | base");
  add_model_flags(model_options);
  po::options_description training("Training");
  training.add_options()
    ("optimizer", po::value(&run.optimizer)->default_value("adam"), "adam | adamw")
    ("lr", po::value(&run.lr)->default_value(5e-4f), "peak learning rate")
    ("lr-schedule", po::value(&run.lr_schedule)->default_value("inverse-sqrt"), "inverse-sqrt | constant | cosine | linear")
    ("warmup", po::value(&run.warmup)->default_value(4000), "warmup steps")
    ("weight-decay", po::value(&run.trainer.adam.weight_decay)->default_value(0.0f), "AdamW decay")
    ("label-smoothing", po::value(&run.trainer.step.label_smoothing)->default_value(0.1f), "epsilon of label smoothing")
    ("clip-norm", po::value(&run.trainer.step.clip_norm)->default_value(1.0f), "global gradient norm limit (0 = off)")
    ("epochs", po::value(&run.trainer.epochs)->default_value(0), "passes over the data (0 = no limit)")
    ("max-steps", po::value(&run.trainer.max_steps)->default_value(0), "updates (0 = no limit)")
    ("accumulate", po::value(&run.trainer.accumulate)->default_value(1), "batches summed into one update (under mpirun: per rank)")
    ("valid-every", po::value(&run.trainer.valid_every)->default_value(0), "steps between validations (0 = each epoch)")
    ("valid-decode", po::value(&run.trainer.valid_decode_limit)->default_value(500), "validation sentences decoded for BLEU/chrF/exact/WER")
    ("valid-metric", po::value(&flags.valid_metric)->default_value("loss"), "picks NAME.best.attn: loss | perplexity | bleu | chrf | exact | wer")
    ("valid-beam-size", po::value(&run.trainer.valid_beam_size)->default_value(1), "beam size of validation decoding (1 = greedy)")
    ("valid-output", po::value(&run.trainer.valid_output), "write each validation's decodes here, one a line ({step} -> the step)")
    ("save-every", po::value(&run.trainer.save_every)->default_value(0), "steps between checkpoints (0 = at validations and the end)")
    ("keep-last", po::value(&run.trainer.keep_last)->default_value(0), "keep the last N checkpoints as NAME.step-STEP.attn (decode-only)")
    ("average-last", po::value(&run.trainer.average_last)->default_value(0), "at the end, write NAME.average.attn: the mean of the last N of them")
    ("exponential-smoothing", po::value(&run.trainer.exponential_smoothing)->default_value(0)->implicit_value(1e-4),
     "validate and keep (best, numbered) a moving average of the parameters with this factor (no value: 1e-4; 0 = off)")
    ("max-time", po::value(&flags.max_time), "wall-clock budget of this run, then save and stop: 90s, 45m, 2h")
    ("early-stopping", po::value(&run.trainer.early_stopping)->default_value(0), "stop after N validations without improvement")
    ("synthetic", "benchmark: random-token batches of a fixed shape")
    ("batch", po::value(&flags.synthetic.batch)->default_value(64), "sentences per synthetic batch")
    ("src-len", po::value(&flags.synthetic.source_length)->default_value(30), "synthetic source length")
    ("tgt-len", po::value(&flags.synthetic.target_length)->default_value(30), "synthetic target length")
    ("vocab", po::value(&flags.synthetic.vocab)->default_value(8000), "synthetic vocabulary size");
  // clang-format on
  all.add(general).add(data_options).add(model_options).add(training);
}

void read_config_file(const po::options_description& all, po::variables_map& vm) {
  if (!vm.count("config")) return;
  const std::string path = vm["config"].as<std::string>();
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open config file");
  try {
    po::store(po::parse_config_file(in, all), vm);
  } catch (const po::error& e) {
    throw InputError(path + ": " + e.what());
  }
}

bool given(const po::variables_map& vm, const std::string& flag) { return !vm[flag].defaulted(); }

std::map<std::string, std::string> given_options(const po::variables_map& vm) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : vm)
    if (!value.defaulted() && !kNotRunOptions.count(key) && !value.value().empty())
      out[key] = option_text(value.value());
  return out;
}

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

void dump_config(const po::variables_map& vm, const TrainFlags& flags, ModelBundle& bundle) {
  std::map<std::string, std::string> lines;
  for (const auto& [key, value] : vm)
    if (key != "dump-config" && key != "config" && key != "help" && !is_model_flag(key))
      lines[key] = option_text(value.value());
  if (!flags.init_from.empty()) bundle = load_bundle(flags.init_from, BindMode::kCopy);
  const std::map<std::string, std::string> fields =
      bundle.model
          ? model_flag_values(bundle.model->architecture(), bundle.model->config_map())
          : model_flag_values(flags.model, model_config_from_flags(vm, flags.model, flags.preset));
  lines.insert(fields.begin(), fields.end());
  for (const auto& [key, value] : lines) fmt::print("{} = {}\n", key, value);
}

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

}  // namespace attn
