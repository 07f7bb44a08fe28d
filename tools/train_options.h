// attn-train's options: the flags declared once (with --help's text), a --config file, and
// what a run keeps of them. A checkpoint stores the options its run was given, as text
// (given_options); a resumed run re-reads them under the options given now
// (carry_run_options); --dump-config prints the effective configuration, model fields
// included; under mpirun every rank must have been given the same (require_same_run).
//
//   TrainFlags flags;
//   po::options_description all("attn-train: ...");
//   declare_train_options(flags, all);
//   po::store(po::parse_command_line(argc, argv, all), vm);
//   read_config_file(all, vm);
#pragma once

#include <boost/program_options.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libattn/models/model_bundle.h"
#include "libattn/train/distributed.h"
#include "libattn/train/run_options.h"
#include "libattn/train/synthetic_training.h"

namespace attn {

struct TrainFlags {
  TrainRunOptions run;
  std::string model = "transformer", preset = "small";
  std::string resume, init_from, config_file;
  std::string valid_metric = "loss", max_time;
  int threads = 1;
  SyntheticShape synthetic;  // --synthetic's --batch, --src-len, --tgt-len, --vocab
};

// Every flag, in --help's groups, bound to `flags`; the model fields from the registry.
void declare_train_options(TrainFlags& flags, boost::program_options::options_description& all);

// --config FILE's "key = value" lines under the command line's options.
void read_config_file(const boost::program_options::options_description& all,
                      boost::program_options::variables_map& vm);

// Whether the command line (or a config file, or a resumed run's saved options) set `flag`.
bool given(const boost::program_options::variables_map& vm, const std::string& flag);

// The options given, as text: what a checkpoint keeps of its run (a default is not an option
// given, and stays a default).
std::map<std::string, std::string> given_options(const boost::program_options::variables_map& vm);

// A resumed run continues with the options its checkpoint was trained with; those given now
// override them. A data source given now replaces the saved one as a whole (--train replaces
// --train-src/--train-tgt and the other way round).
void carry_run_options(const std::map<std::string, std::string>& saved,
                       const boost::program_options::options_description& all,
                       boost::program_options::variables_map& vm);

// Prints the effective config: the options, and every field of the model (`bundle`'s when it
// holds one, else --init-from's, else the preset's with the flags on top), so that --config of
// the dump trains the same model.
void dump_config(const boost::program_options::variables_map& vm, const TrainFlags& flags,
                 ModelBundle& bundle);

// "90s", "45m", "2h" or plain seconds -> seconds (--max-time).
double parse_duration(const std::string& text);

// Under mpirun every rank must train the same model on the same data: compares every flag
// (output paths, --threads and reporting may differ), `contents` (name, hash) and the starting
// parameters, and names the first difference.
void require_same_run(Distributed& world, const boost::program_options::options_description& all,
                      const boost::program_options::variables_map& vm, const ModelBundle& bundle,
                      std::vector<std::pair<std::string, std::string>> contents);

}  // namespace attn
