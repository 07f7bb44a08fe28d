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

#include "formats/output_file.h"
#include "libattn/autograd/tape.h"
#include "libattn/decode/alignment.h"
#include "libattn/decode/attention_picture.h"
#include "libattn/decode/classify.h"
#include "libattn/decode/ensemble.h"
#include "libattn/decode/forced_score.h"
#include "libattn/decode/length_batches.h"
#include "libattn/decode/search.h"
#include "libattn/models/compute_type.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"
#include "tools/decode_options.h"
#include "tools/line_reader.h"
#include "tools/synthetic_decode.h"
#include "tools/thread_flag.h"
#include "tools/tool_main.h"

namespace po = boost::program_options;

namespace attn {
namespace {

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

// Decoding in int8 (asked, or the default for a file stored in int8): an int8 file's
// matrices load as int8 only, never dequantized (parameter_io.h); fp32 and bf16 need them
// dequantized.
BindMode bind_mode(const std::string& compute_type) {
  return compute_type == "default" || compute_type == "int8" ? BindMode::kMapInt8
                                                             : BindMode::kMap;
}

// --compute-type for `bundle`: as asked, or (default) int8 for a file stored in int8, else fp32.
ComputeType compute_type_for(const std::string& compute_type, const ModelBundle& bundle) {
  if (compute_type != "default") return parse_compute_type(compute_type);
  return stores_int8(bundle) ? ComputeType::kInt8 : ComputeType::kFp32;
}

// The models of one run: one, or an ensemble of several (the first one's codecs read and
// write the text), with the int8 copies of their weight matrices registered while they live
// (models/compute_type.h).
struct Models {
  std::vector<ModelBundle> members;
  std::vector<std::unique_ptr<Int8Weights>> int8_weights;
  std::unique_ptr<Ensemble> ensemble;  // with several members

  ModelBundle& first() { return members.front(); }
  DecoderModel& decoder() {
    return ensemble ? static_cast<DecoderModel&>(*ensemble) : *members.front().model;
  }
};

Models load_models(const DecodeFlags& flags) {
  Models models;
  for (const std::string& path : flags.models) {
    models.members.push_back(load_bundle(path, bind_mode(flags.compute_type)));
    check_ensemble_member(models.first(), flags.models.front(), models.members.back(), path);
    check_finite_parameters(models.members.back());  // NaN weights would answer every line with an empty one
  }
  for (ModelBundle& member : models.members)
    models.int8_weights.push_back(
        prepare_compute_type(*member.model, compute_type_for(flags.compute_type, member)));
  std::vector<DecoderModel*> member_models;
  for (ModelBundle& member : models.members) member_models.push_back(member.model.get());
  if (member_models.size() > 1) models.ensemble = std::make_unique<Ensemble>(member_models);
  return models;
}

// attn-decode --synthetic, with -m the model to time (else a random Transformer).
int decode_synthetic(const po::variables_map& vm, SyntheticDecodeOptions& synthetic) {
  apply_thread_flag(vm["threads"].as<int>(), "attn-decode");
  read_synthetic_flags(vm, synthetic);
  if (!vm.count("model")) return run_synthetic_decode(synthetic, nullptr);
  const std::string compute = vm["compute-type"].as<std::string>();
  ModelBundle bundle =
      load_bundle(vm["model"].as<std::vector<std::string>>().front(), bind_mode(compute));
  synthetic.compute_type = compute_type_for(compute, bundle);
  return run_synthetic_decode(synthetic, bundle.model.get());
}

// Where the answers go: -o (or stdout) and --attention-json, flushed after every read so the
// other end of a pipe sees each answer at once.
struct Outputs {
  FILE* out = stdout;
  std::string output_name = "<stdout>";
  std::ofstream attention;
  std::string attention_name;

  explicit Outputs(const DecodeFlags& flags) : attention_name(flags.attention_json) {
    if (flags.output != "-") {
      out = std::fopen(flags.output.c_str(), "w");
      if (!out) throw InputError(flags.output + ": cannot write: " + std::strerror(errno));
      output_name = flags.output;
    }
    if (!attention_name.empty()) {
      attention.open(attention_name);
      if (!attention) throw InputError(attention_name + ": cannot write");
    }
  }
  // A full disk must not look like success: the answers would be lost without a word.
  void flush() {
    if (std::fflush(out) != 0 || std::ferror(out))
      throw Error(fmt::format("{}: cannot write: {}", output_name, std::strerror(errno)));
    if (attention.is_open() && !attention.flush()) throw Error(attention_name + ": cannot write");
  }
  void close() {
    if (out != stdout && std::fclose(out) != 0)
      throw Error(fmt::format("{}: cannot write: {}", output_name, std::strerror(errno)));
  }
};

// One read of input lines as sources: empty lines are answered with empty lines and never
// reach the model; so are bad lines (one warning each, counted in bad_lines), unless --strict,
// which answers the lines before the bad one (`lines` is cut there) and then stops with its
// error.
struct SourceLines {
  std::vector<std::vector<int32_t>> sources;
  std::vector<size_t> source_of_line;  // SIZE_MAX: answered with an empty line
  std::string strict_error;
};

SourceLines encode_lines(std::vector<std::string>& lines, const std::vector<bool>& too_long,
                         const TextCodec& codec, const DecodeFlags& flags,
                         const std::string& input_name, int64_t first_line,
                         size_t max_line_bytes, int64_t& bad_lines) {
  SourceLines read;
  read.source_of_line.assign(lines.size(), SIZE_MAX);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = fmt::format("{}:{}", input_name, first_line + i + 1);
    std::vector<int32_t> ids;
    try {
      if (too_long[i])
        throw InputError(fmt::format("{}: longer than {} bytes", where, max_line_bytes));
      ids = codec.encode(lines[i], where);
      if (static_cast<int64_t>(ids.size()) > flags.max_input_length) {
        if (!flags.crop_input)
          throw InputError(fmt::format("{}: {} tokens, more than --max-input-length {}", where,
                                       ids.size(), flags.max_input_length));
        ids.resize(static_cast<size_t>(flags.max_input_length));
      }
    } catch (const InputError& e) {
      if (flags.strict) {
        read.strict_error = e.what();
        lines.resize(i);
        break;
      }
      ++bad_lines;
      fmt::print(stderr, "attn-decode: {} (answered with an empty line)\n", e.what());
      continue;
    }
    if (ids.empty()) continue;
    read.source_of_line[i] = read.sources.size();
    read.sources.push_back(std::move(ids));
  }
  return read;
}

// Decodes one read's sources and writes an answer for each of its lines, in input order;
// returns the output tokens written.
int64_t answer_lines(Models& models, const SourceLines& read, size_t lines, int64_t first_line,
                     bool classifier, const DecodeFlags& flags, Outputs& outputs) {
  const ModelBundle& bundle = models.first();
  const size_t mini_batch = static_cast<size_t>(flags.mini_batch);
  const size_t maxi_batch = static_cast<size_t>(flags.maxi_batch);
  if (classifier) {
    const std::vector<Classification> classified = decode_in_batches<Classification>(
        read.sources, mini_batch, maxi_batch, [&](const auto& batch) {
          return classify(*bundle.model, batch, static_cast<size_t>(flags.n_best));
        });
    for (size_t i = 0; i < lines; ++i) {
      const size_t s = read.source_of_line[i];
      fmt::print(outputs.out, "{}\n",
                 s == SIZE_MAX ? ""
                               : classification_line(classified[s], read.sources[s], bundle, flags));
    }
    return 0;
  }
  const std::vector<NBest> results = decode_in_batches<NBest>(
      read.sources, mini_batch, maxi_batch,
      [&](const auto& batch) { return search(models.decoder(), batch, flags.beam); });
  int64_t output_tokens = 0;
  for (size_t i = 0; i < lines; ++i) {
    const int64_t line_index = first_line + static_cast<int64_t>(i);
    const size_t s = read.source_of_line[i];
    const NBest empty;
    const NBest& hyps = s == SIZE_MAX ? empty : results[s];
    write_answer(outputs.out, line_index, hyps, bundle.target, flags);
    if (outputs.attention.is_open() && !hyps.empty())
      outputs.attention << attention_record(line_index, read.sources[s], hyps.front(), bundle).dump()
                        << "\n";
    if (!flags.attention_map.empty() && !hyps.empty() && !hyps.front().attention.empty())
      write_picture(flags.attention_map, line_index, read.sources[s], hyps.front(), bundle);
    if (!hyps.empty()) output_tokens += static_cast<int64_t>(hyps.front().tokens.size());
  }
  return output_tokens;
}

int decode_main(int argc, char** argv) {
  DecodeFlags flags;
  SyntheticDecodeOptions synthetic;
  po::options_description options("attn-decode: decode raw text lines with a trained model");
  declare_decode_options(flags, synthetic, options);
  po::positional_options_description positional;
  positional.add("model", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (vm.count("version")) return print_version("attn-decode");
  if (vm.count("synthetic")) return decode_synthetic(vm, synthetic);
  po::notify(vm);
  check_decode_flags(flags);
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

  Models models = load_models(flags);
  ModelBundle& bundle = models.first();
  int input_fd = STDIN_FILENO;
  if (flags.input != "-") {
    input_fd = ::open(flags.input.c_str(), O_RDONLY);
    if (input_fd < 0) throw InputError(flags.input + ": cannot open: " + std::strerror(errno));
  }
  Outputs outputs(flags);
  const std::string input_name = flags.input == "-" ? "<stdin>" : flags.input;

  NoGrad no_grad;
  // Tokens are counted after reading a line; bytes are capped while reading it, so one line
  // without an end cannot take all memory.
  const size_t max_line_bytes = static_cast<size_t>(
      std::max<int64_t>(int64_t{1} << 20, std::min<int64_t>(flags.max_input_length, 1 << 24) * 64));
  LineReader reader(input_fd, max_line_bytes);
  std::string line;
  int64_t line_index = 0, sentences = 0, output_tokens = 0, bad_lines = 0;
  const bool classifier = find_architecture(bundle.model->architecture()).capabilities.classifies;
  if (classifier && models.members.size() > 1) throw InputError("classifier models do not ensemble");
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
      score_lines(*bundle.model, bundle, lines, input_name, line_index, outputs.out);
      line_index += static_cast<int64_t>(lines.size());
      sentences += static_cast<int64_t>(lines.size());
      outputs.flush();
      continue;
    }
    const SourceLines read = encode_lines(lines, too_long, bundle.source, flags, input_name,
                                          line_index, max_line_bytes, bad_lines);
    output_tokens += answer_lines(models, read, lines.size(), line_index, classifier, flags, outputs);
    line_index += static_cast<int64_t>(lines.size());
    sentences += static_cast<int64_t>(read.sources.size());
    outputs.flush();
    if (!read.strict_error.empty()) throw InputError(read.strict_error);
  }
  outputs.close();
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
