// attn-decode's options: the flags declared once (with --help's text) into DecodeFlags, and
// their values checked and turned into the search's options.
//
//   DecodeFlags flags;
//   SyntheticDecodeOptions synthetic;
//   po::options_description options("attn-decode: ...");
//   declare_decode_options(flags, synthetic, options);
//   ... po::store, po::notify ...
//   check_decode_flags(flags);          // flags.beam is ready
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "libattn/decode/beam_search.h"
#include "tools/synthetic_decode.h"

namespace attn {

struct DecodeFlags {
  std::vector<std::string> models;
  std::string input = "-", output = "-", alignment, attention_json, attention_map;
  BeamOptions beam;
  int n_best = 0;
  int mini_batch = 16;
  int maxi_batch = 1;
  int threads = 1;
  std::string compute_type = "default";
  std::string at_max_length = "eos";
  int64_t max_input_length = 1024;
  bool scores = false, quiet = false, stats = false, attention = false, score = false;
  bool strict = false, crop_input = false;
};

// Every flag, bound to `flags` (and --synthetic's to `synthetic`).
void declare_decode_options(DecodeFlags& flags, SyntheticDecodeOptions& synthetic,
                            boost::program_options::options_description& options);

// InputError naming the first flag out of its range; then flags.beam takes --at-max-length,
// --n-best (no value: the beam size) and whether the search keeps its attention.
void check_decode_flags(DecodeFlags& flags);

// --synthetic's options from the flags as given (po::notify would refuse the missing --model,
// so they are read from `vm`), the compute type as asked ("default" reads as fp32).
void read_synthetic_flags(const boost::program_options::variables_map& vm,
                          SyntheticDecodeOptions& synthetic);

}  // namespace attn
