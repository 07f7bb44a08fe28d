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
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "libattn/models/registry.h"
#include "libattn/train/distributed.h"
#include "libattn/train/new_model.h"
#include "libattn/train/run_options.h"
#include "libattn/train/synthetic_training.h"
#include "libattn/train/trainer.h"
#include "libattn/train/training_data.h"
#include "tools/model_flags.h"
#include "tools/thread_flag.h"
#include "tools/tool_main.h"
#include "tools/train_options.h"

namespace po = boost::program_options;

namespace attn {
namespace {

// What the run starts from and trains on, before the first step.
void print_summary(const ModelBundle& bundle, const Batcher& train, const DataOptions& data) {
  const FilterCounts& counts = train.counts();
  fmt::print(stderr,
             "attn-train: {} {} parameters; vocab {} source / {} target ({}); {} training pairs "
             "({} skipped as longer than {}, {} cropped, {} with an empty source)\n",
             bundle.model->architecture(), count_parameters(bundle.model->parameters()),
             bundle.source.vocab.size(), bundle.target.vocab.size(),
             tokenizer_kind_name(bundle.source.tokenizer.kind()), counts.kept,
             counts.skipped_too_long, data.batch.max_length, counts.cropped,
             counts.skipped_empty_source);
}

void print_result(const TrainResult& result, const std::string& save_path) {
  fmt::print(stderr, "attn-train: {} after {} steps, in epoch {} ({} complete){}\n",
             result.interrupted   ? "interrupted, saved"
             : result.out_of_time ? "out of --max-time, saved"
                                  : "done",
             result.steps, result.epoch, result.epochs,
             save_path.empty() ? "" : "; saved " + save_path);
}

int train_main(int argc, char** argv, Distributed& world) {
  TrainFlags flags;
  TrainRunOptions& run = flags.run;
  TrainerOptions& trainer = run.trainer;
  po::options_description all("attn-train: train an attention model on parallel text");
  declare_train_options(flags, all);
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, all), vm);
  if (vm.count("help")) {
    std::cout << all << "\n";
    print_model_fields_help(std::cout);
    return 0;
  }
  if (vm.count("version")) return print_version("attn-train");
  read_config_file(all, vm);
  ModelBundle bundle;
  if (vm.count("resume") && vm.count("init-from"))
    throw InputError("give --resume (continue a run) or --init-from (start a new one), not both");
  if (vm.count("resume")) {
    bundle = load_bundle(vm["resume"].as<std::string>(), BindMode::kCopy);
    carry_run_options(bundle.metadata.training.run_options, all, vm);
  }
  po::notify(vm);
  if (vm.count("dump-config")) {
    dump_config(vm, flags, bundle);
    return 0;
  }
  const std::string &resume = flags.resume, &init_from = flags.init_from;
  trainer.valid_metric = parse_valid_metric(flags.valid_metric);
  if (!flags.max_time.empty()) trainer.max_seconds = parse_duration(flags.max_time);
  check_run_options(run);
  if (world.rank() != 0) trainer.quiet = true;  // rank 0 speaks for the job
  apply_thread_flag(flags.threads, "attn-train");
  install_stop_handlers();

  ConfigMap config;
  if ((!init_from.empty() || !resume.empty()) &&
      (!run.data.vocab_from.empty() || !run.data.spm_model.empty()))
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
    continue_saved_settings(resume, bundle.metadata,
                            [&](const std::string& flag) { return given(vm, flag); }, run);
  } else if (init_from.empty()) {
    config = model_config_from_flags(vm, flags.model, flags.preset);
  }

  finish_run_options(run, vm.count("synthetic") > 0);
  check_save_paths(run);
  if (vm.count("synthetic")) {
    if (!resume.empty() || !init_from.empty())
      throw InputError("--synthetic trains a fresh model; drop --resume and --init-from");
    bundle.model = create_synthetic_model(flags.model, config, flags.synthetic, trainer.seed);
    require_same_run(world, all, vm, bundle, {});
    run_synthetic_training(bundle, trainer, flags.synthetic, world);
    return 0;
  }

  const TrainingCorpora corpora = read_training_corpora(run.data);
  const std::string data_hash = corpus_hash(corpora.train);
  record_provenance(bundle, data_hash, resume, trainer.quiet);
  bundle.metadata.training.run_options = given_options(vm);
  if (resume.empty() && init_from.empty())
    create_new_model(bundle, flags.model, config, run.data, corpora.train, corpora.train_name,
                     trainer.seed);
  fit_to_architecture(bundle.model->architecture(), given(vm, "label-smoothing"), run);
  Batcher train_batches(
      to_examples(bundle.source, bundle.target, corpora.train, corpora.train_name),
      run.data.batch);
  ValidationData valid = validation_data(bundle, corpora, run.data.batch);
  if (!trainer.quiet) print_summary(bundle, train_batches, run.data);
  // A run that keeps nothing is a lost run (--synthetic, a benchmark, returned above). Checked
  // after the data and config, so their errors come first, but before any step.
  if (trainer.save_path.empty())
    throw InputError("--save FILE is required: where should the trained model go?");
  require_same_run(world, all, vm, bundle,
                   {{"the training data (--train, --train-src/--train-tgt)", data_hash},
                    {"the validation data (--valid, --valid-src/--valid-tgt)",
                     corpus_hash(corpora.valid)}});
  Trainer loop(bundle, train_batches, valid.batches ? &valid : nullptr, trainer, world);
  if (!resume.empty()) loop.resume_from(*bundle.file);
  TrainResult result = loop.run();
  if (!trainer.quiet) print_result(result, trainer.save_path);
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
