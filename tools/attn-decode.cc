// attn-decode: raw text in, raw text out, one output line per input line.
//
//   attn-decode -m model.attn < in.txt > out.txt      (or: attn-decode model.attn < in.txt)
//   attn-decode -m a.attn -m b.attn < in.txt           # ensemble: log-probabilities averaged
//   echo "a line" | attn-decode -m model.attn -b 5 --n-best 3 --alignment hard
//   printf 'source\ttarget\n' | attn-decode -m model.attn --score   # log P(target | source)
//
// Lines are read as they arrive; the lines already waiting (up to --mini-batch, or
// --mini-batch x --maxi-batch, decoded in batches of similar length) are decoded together,
// then answered in input order and flushed, so the tool works in a pipe and interactively.
#include <fcntl.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "formats/output_file.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/threads.h"
#include "libattn/decode/alignment.h"
#include "libattn/decode/attention_picture.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/classify.h"
#include "libattn/decode/ensemble.h"
#include "libattn/decode/forced_score.h"
#include "libattn/decode/greedy.h"
#include "libattn/decode/length_batches.h"
#include "libattn/models/compute_type.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"
#include "tools/line_reader.h"
#include "tools/synthetic_decode.h"
#include "tools/thread_flag.h"
#include "tools/tool_main.h"

namespace po = boost::program_options;

namespace attn {
namespace {

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

// Writes one input line's answer: the best hypothesis, or n-best lines as Marian prints them,
// "i ||| text ||| F0= log-probability sum ||| total" (total: the normalized score that ranks
// them), with the alignment, when asked for, as a field before F0. Numbers have 6 significant
// digits, as Marian's.
void write_answer(FILE* out, int64_t line_index, const NBest& hyps, const TextCodec& target,
                  const DecodeFlags& flags) {
  if (hyps.empty()) {
    fmt::print(out, "\n");
    return;
  }
  auto alignment_of = [&](const Hypothesis& h) -> std::string {
    if (flags.alignment.empty() || h.attention.empty()) return "";
    return flags.alignment == "hard" ? hard_alignment(h.attention) : soft_alignment(h.attention);
  };
  if (flags.n_best > 0) {
    for (const Hypothesis& h : hyps) {
      fmt::print(out, "{} ||| {}", line_index, target.decode(h.tokens));
      if (!flags.alignment.empty()) fmt::print(out, " ||| {}", alignment_of(h));
      fmt::print(out, " ||| F0= {:g} ||| {:g}\n", h.score, h.normalized_score);
    }
    return;
  }
  const Hypothesis& best = hyps.front();
  std::string line = target.decode(best.tokens);
  if (flags.scores) line = fmt::format("{:.6f}\t{}", best.normalized_score, line);
  if (!flags.alignment.empty()) line += " ||| " + alignment_of(best);
  fmt::print(out, "{}\n", line);
}

// A classifier (decode/classify.h) answers "label<TAB>probability", the N best labels so
// with --n-best N, and with --attention " ||| token:weight ..." for every source token.
std::string classification_line(const Classification& result, const std::vector<int32_t>& source,
                                const ModelBundle& bundle, const DecodeFlags& flags) {
  std::string answer;
  for (size_t k = 0; k < result.labels.size(); ++k)
    answer += fmt::format("{}{}\t{:.4f}", k > 0 ? "\t" : "",
                          bundle.target.vocab.token(result.labels[k]), result.probabilities[k]);
  if (flags.attention) {
    answer += " |||";
    for (size_t j = 0; j < result.attention.size(); ++j)
      answer +=
          fmt::format(" {}:{:.3f}", bundle.source.vocab.token(source[j]), result.attention[j]);
  }
  return answer;
}

// --score: "source<TAB>target" lines in, one log-probability sum a line out (empty for an empty
// source, which never reaches the model).
void score_lines(Seq2SeqModel& model, const ModelBundle& bundle, const std::vector<std::string>& lines,
                 const std::string& input_name, int64_t first_line, FILE* out) {
  std::vector<std::vector<int32_t>> sources, targets;
  std::vector<size_t> pair_of_line(lines.size(), SIZE_MAX);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = fmt::format("{}:{}", input_name, first_line + i + 1);
    const size_t tab = lines[i].find('\t');
    if (tab == std::string::npos)
      throw InputError(where + ": --score reads 'source<TAB>target' lines; this one has no tab");
    auto source = bundle.source.encode(std::string_view(lines[i]).substr(0, tab), where);
    if (source.empty()) continue;
    pair_of_line[i] = sources.size();
    sources.push_back(std::move(source));
    targets.push_back(bundle.target.encode(std::string_view(lines[i]).substr(tab + 1), where));
  }
  const std::vector<double> scores = forced_scores(model, sources, targets);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (pair_of_line[i] == SIZE_MAX)
      fmt::print(out, "\n");
    else
      fmt::print(out, "{:.6f}\n", scores[pair_of_line[i]]);
  }
}

// Dimensions [from, rank) of a contiguous tensor as nested JSON arrays (rounded to 6
// decimals: the files stay readable and no reader needs more).
nlohmann::json nested(const float* data, const Shape& shape, size_t from) {
  nlohmann::json out = nlohmann::json::array();
  if (from + 1 == shape.size()) {
    for (int64_t i = 0; i < shape[from]; ++i) out.push_back(std::round(data[i] * 1e6) / 1e6);
    return out;
  }
  int64_t inner = 1;
  for (size_t d = from + 1; d < shape.size(); ++d) inner *= shape[d];
  for (int64_t i = 0; i < shape[from]; ++i) out.push_back(nested(data + i * inner, shape, from + 1));
  return out;
}

// Every attention matrix of the model for this sentence, by the forward pass's names
// ("decoder.layers.1.encoder_attn" -> [head][output row][source token]): one teacher-
// forced pass over <s> + the best output, so row t is the step that chose output token t
// and the last row the step that chose </s>. Incremental decoding computes the same
// weights (a unit test holds each model to it); the search itself keeps only one matrix.
nlohmann::json attention_layers(const Seq2SeqModel& model, const std::vector<int32_t>& source_ids,
                                const Hypothesis& best) {
  std::vector<int32_t> decoder_input = {model.bos_id()};
  decoder_input.insert(decoder_input.end(), best.tokens.begin(), best.tokens.end());
  std::map<std::string, Tensor> maps;
  model.forward(Tensor::from_ints({1, static_cast<int64_t>(source_ids.size())}, source_ids),
                Tensor::from_ints({1, static_cast<int64_t>(decoder_input.size())}, decoder_input),
                ForwardMode{}, &maps);
  nlohmann::json layers = nlohmann::json::object();
  for (const auto& [name, weights] : maps) {
    const Tensor dense = weights.contiguous();
    layers[name] = nested(dense.data(), dense.shape(), 1);  // dimension 0 is the batch of one
  }
  return layers;
}

// One line of --attention-json. "attention" is the search's own [output token][source
// token] matrix; "layers" every named matrix of the model (attention_layers), whose
// decoder rows are "output" + </s> and whose decoder self-attention columns are <s> + "output".
nlohmann::json attention_record(int64_t line_index, const std::vector<int32_t>& source_ids,
                                const Hypothesis& best, const ModelBundle& bundle) {
  nlohmann::json record;
  record["line"] = line_index;
  record["source"] = bundle.source.pieces(source_ids);
  record["output"] = bundle.target.pieces(best.tokens);
  record["attention"] = best.attention;
  record["layers"] = attention_layers(*bundle.model, source_ids, best);
  return record;
}

// DIR/<line number from 1>.svg; the directory is created when missing.
void write_picture(const std::string& dir, int64_t line_index, const std::vector<int32_t>& source_ids,
                   const Hypothesis& best, const ModelBundle& bundle) {
  std::filesystem::create_directories(dir);
  const std::string path = fmt::format("{}/{}.svg", dir, line_index + 1);
  std::ofstream out(path);
  out << attention_svg(bundle.source.pieces(source_ids), bundle.target.pieces(best.tokens),
                       best.attention);
  if (!out) throw InputError(path + ": cannot write");
}

// An ensemble decodes one source encoding with one target vocabulary: its members must read
// and write text the same way, id for id.
void check_ensemble_member(const ModelBundle& first, const std::string& first_path,
                           const ModelBundle& member, const std::string& path) {
  auto same = [](const TextCodec& a, const TextCodec& b) {
    return a.vocab.tokens() == b.vocab.tokens() && a.tokenizer.kind() == b.tokenizer.kind() &&
           a.tokenizer.sentencepiece_model() == b.tokenizer.sentencepiece_model() &&
           a.point_dims == b.point_dims;
  };
  if (!same(first.source, member.source) || !same(first.target, member.target))
    throw InputError(fmt::format("{}: its vocabularies or tokenizer differ from {}'s; an "
                                 "ensemble's models must share them (train with --vocab-from)",
                                 path, first_path));
}

int decode_main(int argc, char** argv) {
  DecodeFlags flags;
  SyntheticDecodeOptions synthetic;
  po::options_description options("attn-decode: decode raw text lines with a trained model");
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
  po::positional_options_description positional;
  positional.add("model", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (vm.count("version")) return print_version("attn-decode");
  if (vm.count("synthetic")) {
    apply_thread_flag(vm["threads"].as<int>(), "attn-decode");
    // po::notify would refuse the missing --model, so the synthetic flags are read here.
    synthetic.batch = vm["mini-batch"].as<int>();
    synthetic.beam_size = vm["beam-size"].as<int>();
    synthetic.preset = vm["preset"].as<std::string>();
    synthetic.source_length = vm["src-len"].as<int64_t>();
    synthetic.target_length = vm["tgt-len"].as<int64_t>();
    synthetic.vocab = vm["vocab"].as<int64_t>();
    synthetic.seconds = vm["seconds"].as<double>();
    const std::string compute = vm["compute-type"].as<std::string>();
    synthetic.compute_type = compute == "default" ? ComputeType::kFp32 : parse_compute_type(compute);
    if (!vm.count("model")) return run_synthetic_decode(synthetic, nullptr);
    ModelBundle bundle = load_bundle(vm["model"].as<std::vector<std::string>>().front(),
                                     compute == "default" || compute == "int8" ? BindMode::kMapInt8
                                                                               : BindMode::kMap);
    if (compute == "default" && stores_int8(bundle)) synthetic.compute_type = ComputeType::kInt8;
    return run_synthetic_decode(synthetic, bundle.model.get());
  }
  po::notify(vm);
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
  apply_thread_flag(flags.threads, "attn-decode");

  for (const std::string& path : flags.models)
    if (path == "-" && (flags.input == "-" || flags.models.size() > 1))
      throw InputError("--model - reads the model from stdin, so the input needs --input FILE "
                       "and there is no other model");

  // Opening -o truncates it: an input there would be lost (and a mapped model, SIGBUS).
  std::vector<formats::NamedPath> inputs = {{"-i", flags.input}};
  for (const std::string& path : flags.models) inputs.push_back({"-m", path});
  formats::refuse_output_over_inputs({"-o", flags.output}, inputs);
  if (!flags.attention_json.empty())
    formats::refuse_output_over_inputs({"--attention-json", flags.attention_json}, inputs);
  if (flags.score && flags.models.size() > 1)
    throw InputError("--score takes one model, not an ensemble");

  // Decoding in int8 (asked, or the default for a file stored in int8): an int8 file's
  // matrices load as int8 only, never dequantized (parameter_io.h); fp32 and bf16 need them
  // dequantized.
  const BindMode bind = flags.compute_type == "default" || flags.compute_type == "int8"
                            ? BindMode::kMapInt8
                            : BindMode::kMap;
  std::vector<ModelBundle> members;
  for (const std::string& path : flags.models) {
    members.push_back(load_bundle(path, bind));
    check_ensemble_member(members.front(), flags.models.front(), members.back(), path);
    check_finite_parameters(members.back());  // NaN weights would answer every line with an empty one
  }
  // int8 copies of the weight matrices, registered while they live (models/compute_type.h).
  std::vector<std::unique_ptr<Int8Weights>> int8_weights;
  for (ModelBundle& member : members) {
    const bool as_stored = flags.compute_type == "default";
    const ComputeType type = !as_stored ? parse_compute_type(flags.compute_type)
                             : stores_int8(member) ? ComputeType::kInt8
                                                   : ComputeType::kFp32;
    int8_weights.push_back(prepare_compute_type(*member.model, type));
  }
  ModelBundle& bundle = members.front();
  std::vector<DecoderModel*> member_models;
  for (ModelBundle& member : members) member_models.push_back(member.model.get());
  Ensemble ensemble(member_models);
  DecoderModel& decoder = members.size() == 1 ? static_cast<DecoderModel&>(*bundle.model)
                                              : static_cast<DecoderModel&>(ensemble);
  int input_fd = STDIN_FILENO;
  if (flags.input != "-") {
    input_fd = ::open(flags.input.c_str(), O_RDONLY);
    if (input_fd < 0) throw InputError(flags.input + ": cannot open: " + std::strerror(errno));
  }
  FILE* out = stdout;
  if (flags.output != "-") {
    out = std::fopen(flags.output.c_str(), "w");
    if (!out) throw InputError(flags.output + ": cannot write: " + std::strerror(errno));
  }
  std::ofstream attention_out;
  if (!flags.attention_json.empty()) {
    attention_out.open(flags.attention_json);
    if (!attention_out) throw InputError(flags.attention_json + ": cannot write");
  }
  const std::string input_name = flags.input == "-" ? "<stdin>" : flags.input;
  const std::string output_name = flags.output == "-" ? "<stdout>" : flags.output;
  // A full disk must not look like success: the answers would be lost without a word.
  auto flush_or_throw = [&] {
    if (std::fflush(out) != 0 || std::ferror(out))
      throw Error(fmt::format("{}: cannot write: {}", output_name, std::strerror(errno)));
    if (attention_out.is_open() && !attention_out.flush())
      throw Error(flags.attention_json + ": cannot write");
  };

  NoGrad no_grad;
  // Tokens are counted after reading a line; bytes are capped while reading it, so one line
  // without an end cannot take all memory.
  const size_t max_line_bytes = static_cast<size_t>(
      std::max<int64_t>(int64_t{1} << 20, std::min<int64_t>(flags.max_input_length, 1 << 24) * 64));
  LineReader reader(input_fd, max_line_bytes);
  std::string line;
  int64_t line_index = 0, sentences = 0, output_tokens = 0, bad_lines = 0;
  const bool classifier = find_architecture(bundle.model->architecture()).capabilities.classifies;
  if (classifier && members.size() > 1) throw InputError("classifier models do not ensemble");
  const auto start = std::chrono::steady_clock::now();
  while (reader.next(line)) {
    std::vector<std::string> lines = {line};
    std::vector<bool> too_long = {reader.too_long()};
    const int64_t most = static_cast<int64_t>(flags.mini_batch) * flags.maxi_batch;
    while (static_cast<int64_t>(lines.size()) < most && reader.ready() && reader.next(line)) {
      lines.push_back(line);
      too_long.push_back(reader.too_long());
    }
    if (flags.score) {
      score_lines(*bundle.model, bundle, lines, input_name, line_index, out);
      line_index += static_cast<int64_t>(lines.size());
      sentences += static_cast<int64_t>(lines.size());
      flush_or_throw();
      continue;
    }
    // Empty lines are answered with empty lines and never reach the model; so are bad lines
    // (one warning each), unless --strict, which answers the lines before it and stops.
    std::vector<std::vector<int32_t>> sources;
    std::vector<size_t> source_of_line(lines.size(), SIZE_MAX);
    std::string strict_error;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string where = fmt::format("{}:{}", input_name, line_index + i + 1);
      std::vector<int32_t> ids;
      try {
        if (too_long[i])
          throw InputError(fmt::format("{}: longer than {} bytes", where, max_line_bytes));
        ids = bundle.source.encode(lines[i], where);
        if (static_cast<int64_t>(ids.size()) > flags.max_input_length) {
          if (!flags.crop_input)
            throw InputError(fmt::format("{}: {} tokens, more than --max-input-length {}", where,
                                         ids.size(), flags.max_input_length));
          ids.resize(static_cast<size_t>(flags.max_input_length));
        }
      } catch (const InputError& e) {
        if (flags.strict) {
          strict_error = e.what();
          lines.resize(i);
          break;
        }
        ++bad_lines;
        fmt::print(stderr, "attn-decode: {} (answered with an empty line)\n", e.what());
        continue;
      }
      if (ids.empty()) continue;
      source_of_line[i] = sources.size();
      sources.push_back(std::move(ids));
    }
    std::vector<NBest> results(sources.size());
    std::vector<std::string> labels(sources.size());
    // One mini-batch in input order, or (--maxi-batch) several of similar lengths.
    std::vector<std::vector<size_t>> batches;
    if (flags.maxi_batch == 1 && !sources.empty()) {
      batches.emplace_back(sources.size());
      std::iota(batches[0].begin(), batches[0].end(), size_t{0});
    } else if (!sources.empty()) {
      batches = length_sorted_batches(sources, static_cast<size_t>(flags.mini_batch));
    }
    for (const std::vector<size_t>& batch : batches) {
      std::vector<std::vector<int32_t>> batch_sources;
      for (size_t s : batch) batch_sources.push_back(sources[s]);
      if (classifier) {
        const std::vector<Classification> classified =
            classify(*bundle.model, batch_sources, static_cast<size_t>(flags.n_best));
        for (size_t k = 0; k < batch.size(); ++k)
          labels[batch[k]] = classification_line(classified[k], batch_sources[k], bundle, flags);
        continue;
      }
      std::vector<NBest> decoded =
          flags.beam.beam_size == 1 ? greedy_search(decoder, batch_sources, flags.beam)
                                    : beam_search(decoder, batch_sources, flags.beam);
      for (size_t k = 0; k < batch.size(); ++k) results[batch[k]] = std::move(decoded[k]);
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      const size_t s = source_of_line[i];
      if (classifier) {
        fmt::print(out, "{}\n", s == SIZE_MAX ? "" : labels[s]);
        ++line_index;
        continue;
      }
      const NBest empty;
      const NBest& hyps = s == SIZE_MAX ? empty : results[s];
      write_answer(out, line_index, hyps, bundle.target, flags);
      if (attention_out.is_open() && !hyps.empty())
        attention_out << attention_record(line_index, sources[s], hyps.front(), bundle).dump()
                      << "\n";
      if (!flags.attention_map.empty() && !hyps.empty() && !hyps.front().attention.empty())
        write_picture(flags.attention_map, line_index, sources[s], hyps.front(), bundle);
      if (!hyps.empty()) output_tokens += static_cast<int64_t>(hyps.front().tokens.size());
      ++line_index;
    }
    sentences += static_cast<int64_t>(sources.size());
    flush_or_throw();
    if (!strict_error.empty()) throw InputError(strict_error);
  }
  if (out != stdout && std::fclose(out) != 0)
    throw Error(fmt::format("{}: cannot write: {}", output_name, std::strerror(errno)));
  if (flags.stats && !flags.quiet) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(stderr, "attn-decode: {} sentences, {} tokens in {:.2f}s: {:.1f} sentences/s, {:.1f} tokens/s\n",
               sentences, output_tokens, seconds, sentences / std::max(seconds, 1e-9),
               output_tokens / std::max(seconds, 1e-9));
  }
  return bad_lines > 0 ? 2 : 0;
}

}  // namespace
}  // namespace attn

int main(int argc, char** argv) {
  return attn::run_tool("attn-decode", [&] { return attn::decode_main(argc, argv); });
}
