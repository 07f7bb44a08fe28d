#include "tools/decode_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "libattn/core/error.h"

namespace po = boost::program_options;

namespace attn {

void declare_decode_options(DecodeFlags& flags, SyntheticDecodeOptions& synthetic,
                            po::options_description& options) {
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("version", "print the version and exit")
    ("model,m", po::value(&flags.models)->composing(), "model file (.attn); - for stdin; also "
     "given without -m; several: an ensemble (same vocabularies, log-probabilities averaged)")
    ("input,i", po::value(&flags.input), "input text, one sentence a line (default stdin)")
    ("output,o", po::value(&flags.output), "output file (default stdout)")
    ("beam-size,b", po::value(&flags.beam.beam_size)->default_value(5), "beam size; 1 = greedy")
    ("n-best", po::value(&flags.n_best)->implicit_value(-1),
     "print N best hypotheses per line as 'i ||| text ||| score' (no value: beam size)")
    ("normalize,n", po::value(&flags.beam.length_penalty)->default_value(0.6f),
     "length normalization as Marian's: log-prob sum / (tokens + 1 for </s>)^alpha; 0 = off")
    ("no-unk", po::bool_switch(&flags.beam.forbid_unk),
     "never output <unk> (Marian's default, which its --allow-unk turns off)")
    ("word-penalty", po::value(&flags.beam.word_penalty)->default_value(0.0f),
     "subtract this per output token (</s> included) from the sum before normalizing")
    ("max-length", po::value(&flags.beam.max_length)->default_value(256),
     "most output tokens per sentence")
    ("max-length-factor", po::value(&flags.beam.max_length_factor)->default_value(3.0f),
     "most output tokens as a multiple of the source length (0 = off)")
    ("at-max-length", po::value(&flags.at_max_length)->default_value("eos"),
     "how an output that reaches the length limit ends: eos = </s> is forced and its "
     "log-probability counted (Marian); stop = it ends as it is (CTranslate2)")
    ("mini-batch", po::value(&flags.mini_batch)->default_value(16),
     "sentences decoded together (only lines already waiting are batched)")
    ("max-input-length", po::value(&flags.max_input_length)->default_value(1024),
     "longest input line in tokens; a longer line is a bad line (or cropped)")
    ("max-input-length-crop", po::bool_switch(&flags.crop_input),
     "crop longer input lines to --max-input-length instead")
    ("strict", po::bool_switch(&flags.strict),
     "stop at the first bad input line (default: answer it with an empty line, warn, go on, "
     "exit 2 at the end)")
    ("maxi-batch", po::value(&flags.maxi_batch)->default_value(1),
     "read up to N mini-batches of waiting lines and decode them sorted by length (output in "
     "input order)")
    ("scores", po::bool_switch(&flags.scores), "print the normalized score before each output")
    ("score", po::bool_switch(&flags.score),
     "teacher-forced scoring: read 'source<TAB>target' lines, print log P(target </s> | source) "
     "for each (Marian's F0)")
    ("alignment", po::value(&flags.alignment), "append alignments: hard (i-j pairs) or soft")
    ("attention-json", po::value(&flags.attention_json),
     "write each sentence's attention as one JSON object a line: the search's matrix, and "
     "every layer and head of the model by name")
    ("attention-map", po::value(&flags.attention_map),
     "draw each sentence's attention as DIR/LINE.svg (source across, output down)")
    ("attention", po::bool_switch(&flags.attention),
     "classifier models: append every source token's attention weight")
    ("threads", po::value(&flags.threads)->default_value(1), "CPU threads")
    ("compute-type", po::value(&flags.compute_type)->default_value("default"),
     "fp32, int8 (weight matrices quantized per row at load, activations per row; embeddings, "
     "norms, biases fp32), bf16 (fp32 with a note until a bf16 kernel exists), or default: "
     "int8 for a model stored in int8 (attn-export --quantize int8), else fp32")
    ("stats", po::bool_switch(&flags.stats), "print sentences/s and tokens/s to stderr at the end")
    ("quiet", po::bool_switch(&flags.quiet), "print nothing but errors on stderr")
    ("synthetic", "benchmark: a random model of --preset's shape decodes random sources, "
     "--mini-batch at a time, exactly --tgt-len tokens each")
    ("preset", po::value(&synthetic.preset)->default_value("small"), "--synthetic model shape")
    ("src-len", po::value(&synthetic.source_length)->default_value(30), "--synthetic source length")
    ("tgt-len", po::value(&synthetic.target_length)->default_value(30), "--synthetic output length")
    ("vocab", po::value(&synthetic.vocab)->default_value(8000), "--synthetic vocabulary size")
    ("seconds", po::value(&synthetic.seconds)->default_value(3.0), "--synthetic run time");
  // clang-format on
}

void check_decode_flags(DecodeFlags& flags) {
  if (flags.models.empty()) throw InputError("no model: give --model/-m MODEL.attn (or MODEL.attn alone)");
  if (flags.beam.beam_size < 1) throw InputError("--beam-size must be at least 1");
  if (flags.mini_batch < 1) throw InputError("--mini-batch must be at least 1");
  if (flags.beam.max_length < 1)
    throw InputError(fmt::format("--max-length must be at least 1, not {}", flags.beam.max_length));
  if (!std::isfinite(flags.beam.length_penalty))
    throw InputError(fmt::format("--normalize must be a finite number, not {}",
                                 flags.beam.length_penalty));
  if (!(flags.beam.max_length_factor >= 0) || !std::isfinite(flags.beam.max_length_factor))
    throw InputError(fmt::format("--max-length-factor must be 0 (off) or positive, not {}",
                                 flags.beam.max_length_factor));
  if (flags.at_max_length != "eos" && flags.at_max_length != "stop")
    throw InputError("--at-max-length must be eos or stop, got '" + flags.at_max_length + "'");
  flags.beam.stop_at_limit = flags.at_max_length == "stop";
  if (flags.max_input_length < 1)
    throw InputError(fmt::format("--max-input-length must be at least 1, not {}",
                                 flags.max_input_length));
  if (flags.maxi_batch < 1) throw InputError("--maxi-batch must be at least 1");
  if (!flags.alignment.empty() && flags.alignment != "hard" && flags.alignment != "soft")
    throw InputError("--alignment must be hard or soft, got '" + flags.alignment + "'");
  if (flags.n_best < 0) flags.n_best = flags.beam.beam_size;
  flags.beam.n_best = std::max(1, std::min(flags.n_best, flags.beam.beam_size));
  flags.beam.return_alignment = !flags.alignment.empty() || !flags.attention_json.empty() ||
                                 !flags.attention_map.empty();
}

void read_synthetic_flags(const po::variables_map& vm, SyntheticDecodeOptions& synthetic) {
  synthetic.batch = vm["mini-batch"].as<int>();
  synthetic.beam_size = vm["beam-size"].as<int>();
  synthetic.preset = vm["preset"].as<std::string>();
  synthetic.source_length = vm["src-len"].as<int64_t>();
  synthetic.target_length = vm["tgt-len"].as<int64_t>();
  synthetic.vocab = vm["vocab"].as<int64_t>();
  synthetic.seconds = vm["seconds"].as<double>();
  const std::string compute = vm["compute-type"].as<std::string>();
  synthetic.compute_type = compute == "default" ? ComputeType::kFp32 : parse_compute_type(compute);
}

}  // namespace attn
