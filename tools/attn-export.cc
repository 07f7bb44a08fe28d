// attn-export: a model file into other formats and other model files.
//
//   attn-export model.attn --to safetensors -o model.safetensors     # or --to npz -o model.npz
//   attn-export checkpoint.attn --strip-optimizer -o model.attn       # decode-only
//   attn-export --average step-9000.attn step-10000.attn -o average.attn
//   attn-export model.attn --vocab vocab/                             # vocabularies as text
//   attn-export old.attn -o new.attn                  # the same file in the current version
//   attn-export model.attn --to npz -o - | ...                        # "-": stdout
//   attn-export model.attn --forward-src "4 5 6" --forward-tgt "2 7 8"   # logits as JSON
//   attn-export --from marian model.npz --vocabs src.yml tgt.yml -o model.attn   # import
//
// Exports hold the network only, under attn's tensor names, with the config beside them
// (docs/EXPORT.md). --forward-* prints attn's own teacher-forced logits in the form
// docs/attn_reference.py prints, so an export can be checked against attn in PyTorch.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "formats/npz_writer.h"
#include "formats/output_file.h"
#include "formats/safetensors_writer.h"
#include "libattn/autograd/tape.h"
#include "libattn/models/compute_type.h"
#include "libattn/models/marian_import.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"
#include "libattn/train/checkpoint_average.h"
#include "tools/tool_main.h"

namespace po = boost::program_options;

namespace attn {
namespace {

struct ExportFlags {
  std::vector<std::string> inputs, average, vocabs;
  std::string from = "attn", to = "attn", output, vocab_dir, forward_src, forward_tgt, quantize;
  bool strip_optimizer = false, quiet = false, dequantize = false;
};

// What an export stores beside the tensors: the model's config map, plus the two keys a
// reader needs to know which names to expect.
std::map<std::string, std::string> export_config(const ModelBundle& bundle) {
  std::map<std::string, std::string> config = bundle.model->config_map();
  config["architecture"] = bundle.model->architecture();
  config["naming_revision"] = std::to_string(bundle.model->naming_revision());
  return config;
}

// The averaged model, the imported one, or the one input's.
ModelBundle input_bundle(const ExportFlags& flags) {
  if (flags.from == "marian") return import_marian(flags.inputs[0], flags.vocabs);
  return flags.average.empty() ? load_bundle(flags.inputs[0], BindMode::kMap)
                               : average_models(flags.average);
}

// Every tensor and all metadata, read by this build's reader (which knows every older
// version) and written by its writer: the same model or checkpoint in the current version.
// Returns the minor version written (1.0 unless the file has int8 tensors).
uint16_t rewrite(const std::string& input, const std::string& output) {
  const auto model_file = std::make_shared<formats::ModelFile>(formats::read_model_file(input));
  const formats::ModelFile& file = *model_file;
  // A model this build knows is checked as every tool checks it at load, so a file decode
  // refuses is not copied on as sound; one of an architecture it does not know (a newer
  // attn's) is rewritten as a container.
  const std::vector<std::string> known = known_architectures();
  if (std::find(known.begin(), known.end(), file.metadata().architecture) != known.end())
    load_bundle(model_file, BindMode::kMap);
  std::vector<formats::TensorToWrite> tensors;
  uint16_t minor = 0;
  for (const formats::TensorEntry& t : file.tensors()) {
    tensors.push_back({t.name, t.dtype, t.shape, t.data});
    minor = std::max(minor, formats::dtype_minor_version(t.dtype));
  }
  formats::write_model_file(output, file.kind(), file.metadata(), tensors);
  return minor;
}

// One file per vocabulary, "<name>.vocab", a token a line with line i holding id i, and the
// SentencePiece model, if any, as "sentencepiece.model" (what spm_encode --model reads).
std::vector<std::string> write_vocabularies(const std::string& input, const std::string& dir) {
  const formats::ModelFile file = formats::read_model_file(input);
  const formats::Metadata& meta = file.metadata();
  std::vector<std::pair<std::string, std::string>> outputs;  // file name, contents
  for (const formats::Vocabulary& vocab : meta.vocabularies) {
    // The name comes from an untrusted file and becomes a file name: no paths, no dot files.
    if (vocab.name.empty() ||
        vocab.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789_-") != std::string::npos)
      throw InputError(fmt::format("{}: vocabulary name '{}' is not a plain file name", file.path(),
                                   vocab.name));
    std::string text;
    for (const std::string& token : vocab.tokens) {
      if (token.find_first_of("\r\n") != std::string::npos)
        throw InputError(
            fmt::format("{}: a token of the {} vocabulary holds a line break, so "
                        "it cannot be written one token a line",
                        file.path(), vocab.name));
      text += token + "\n";
    }
    outputs.emplace_back(vocab.name + ".vocab", std::move(text));
  }
  if (!meta.sentencepiece_model.empty())
    outputs.emplace_back("sentencepiece.model", meta.sentencepiece_model);
  if (outputs.empty()) throw InputError(file.path() + ": holds no vocabulary");

  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw InputError(fmt::format("{}: cannot create directory: {}", dir, error.message()));
  std::vector<std::string> written;
  for (const auto& output : outputs) {
    const std::string path = (std::filesystem::path(dir) / output.first).string();
    const std::string& contents = output.second;
    formats::write_output(
        path, [&](const formats::ByteSink& sink) { sink(contents.data(), contents.size()); });
    written.push_back(path);
  }
  return written;
}

std::vector<int32_t> parse_ids(const std::string& text, int64_t vocab_size, const char* flag) {
  std::istringstream in(text);
  std::vector<int32_t> ids;
  std::string word;
  while (in >> word) {
    size_t used = 0;
    int64_t id = -1;
    try {
      id = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size() || id < 0 || id >= vocab_size)
      throw InputError(
          fmt::format("{}: '{}' is not a token id in [0, {})", flag, word, vocab_size));
    ids.push_back(static_cast<int32_t>(id));
  }
  if (ids.empty()) throw InputError(fmt::format("{} holds no token id", flag));
  return ids;
}

// attn's teacher-forced logits for one pair, as docs/attn_reference.py prints them:
// {"src": [...], "tgt": [...], "shape": [T, V], "logits": [[...], ...]}.
void print_forward(const ExportFlags& flags) {
  const ModelBundle bundle = input_bundle(flags);
  const std::vector<int32_t> src =
      parse_ids(flags.forward_src, bundle.source.vocab.size(), "--forward-src");
  const std::vector<int32_t> tgt =
      parse_ids(flags.forward_tgt, bundle.target.vocab.size(), "--forward-tgt");
  NoGrad no_grad;
  const Tensor logits =
      bundle.model
          ->forward(Tensor::from_ints({1, static_cast<int64_t>(src.size())}, src),
                    Tensor::from_ints({1, static_cast<int64_t>(tgt.size())}, tgt), ForwardMode{})
          .value()
          .contiguous();
  const int64_t rows = logits.dim(1), vocab = logits.dim(2);
  nlohmann::json rows_json = nlohmann::json::array();
  for (int64_t t = 0; t < rows; ++t)
    rows_json.push_back(
        std::vector<float>(logits.data() + t * vocab, logits.data() + (t + 1) * vocab));
  const nlohmann::json out = {
      {"src", src}, {"tgt", tgt}, {"shape", {rows, vocab}}, {"logits", rows_json}};
  const std::string text = out.dump() + "\n";
  formats::write_output(flags.output.empty() ? "-" : flags.output,
                        [&](const formats::ByteSink& sink) { sink(text.data(), text.size()); });
}

// Writes flags.output in the --to format and says what it wrote.
std::string write_model(const ExportFlags& flags) {
  const std::string target = flags.output == "-" ? "<stdout>" : flags.output;
  const std::string source = flags.average.empty()
                                 ? flags.inputs[0]
                                 : fmt::format("the average of {} files", flags.average.size());
  if (flags.to == "attn" && flags.average.empty() && !flags.strip_optimizer &&
      flags.from == "attn" && flags.quantize.empty() && !flags.dequantize) {
    const uint16_t minor = rewrite(flags.inputs[0], flags.output);
    return fmt::format("{} -> {} (format {}.{})", source, target, formats::kFormatMajor, minor);
  }
  const ModelBundle bundle = input_bundle(flags);
  // Weight matrices in int8 (format 1.1) when asked, or when the input has them and
  // --dequantize does not ask for f32.
  const bool int8 = !flags.quantize.empty() || (stores_int8(bundle) && !flags.dequantize);
  const WeightStorage storage = int8 ? WeightStorage::kInt8 : WeightStorage::kF32;
  if (flags.to == "attn") {
    save_bundle(flags.output, formats::FileKind::kModel, bundle, {}, storage);
    if (int8)
      return fmt::format("{} -> {} (decode-only model, {} weight matrices in int8)", source,
                         target, int8_weight_names(*bundle.model).size());
    if (flags.from == "marian")
      return fmt::format("{} -> {} (imported from {})", source, target,
                         bundle.metadata.config.at(kImportedFromKey));
    return fmt::format("{} -> {} (decode-only model)", source, target);
  }
  const QuantizedParameterTensors quantized = quantized_parameter_tensors(
      bundle.model->parameters(),
      int8 ? int8_weight_names(*bundle.model) : std::vector<std::string>{});
  const auto& tensors = quantized.tensors;
  if (flags.to == "safetensors")
    formats::write_safetensors(flags.output, tensors, export_config(bundle));
  else
    formats::write_npz(flags.output, tensors, export_config(bundle));
  return fmt::format("{} -> {} ({} tensors, {} parameters)", source, target, tensors.size(),
                     count_parameters(bundle.model->parameters()));
}

int export_main(int argc, char** argv) {
  ExportFlags flags;
  po::options_description options(
      "attn-export: write a model file as safetensors or npz, strip, average or upgrade it\n"
      "usage: attn-export MODEL.attn [--to attn|safetensors|npz] -o OUT    (\"-\": stdout)\n"
      "       attn-export --average A.attn B.attn ... [--to ...] -o OUT\n"
      "       attn-export --from marian MODEL.npz --vocabs SRC.yml [TGT.yml] -o OUT.attn\n"
      "options");
  // One option a line, as the --help it prints.
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("from", po::value(&flags.from)->default_value("attn"),
     "input format: attn, or marian (a Marian .npz model, e.g. from OPUS-MT; needs --vocabs)")
    ("vocabs", po::value(&flags.vocabs)->multitoken(),
     "--from marian: Marian's .yml vocabulary, one (shared) or two (source, target)")
    ("version", "print the version and exit")
    ("to,t", po::value(&flags.to)->default_value("attn"),
     "output format: attn (the current .attn version), safetensors or npz (docs/EXPORT.md)")
    ("output,o", po::value(&flags.output), "output file; - for stdout")
    ("quantize", po::value(&flags.quantize),
     "int8: store the weight matrices (Linear layers, RNN cells, output projection) as int8 "
     "with one f32 scale per row (format 1.1, a quarter the size); embeddings, norms, biases "
     "stay f32")
    ("dequantize", po::bool_switch(&flags.dequantize),
     "write an int8 model's weights back as f32")
    ("strip-optimizer", po::bool_switch(&flags.strip_optimizer),
     "write a decode-only model: drop the optimizer moments and training state of a checkpoint")
    ("average", po::value(&flags.average)->multitoken(),
     "average the parameters of these model files (same architecture, config and vocabularies)")
    ("vocab", po::value(&flags.vocab_dir),
     "write the vocabularies to DIR as <name>.vocab, one token a line (line i = id i)")
    ("forward-src", po::value(&flags.forward_src),
     "debugging exports: source ids (\"4 5 6\") for printing attn's logits as JSON")
    ("forward-tgt", po::value(&flags.forward_tgt),
     "decoder input ids (\"2 7 8\", BOS first) for --forward-src")
    ("quiet,q", po::bool_switch(&flags.quiet), "print nothing but errors on stderr");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("input", po::value(&flags.inputs));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (vm.count("version")) return print_version("attn-export");
  po::notify(vm);

  if (flags.to != "attn" && flags.to != "safetensors" && flags.to != "npz")
    throw InputError("--to must be attn, safetensors or npz, got '" + flags.to + "'");
  if (!flags.quantize.empty() && flags.quantize != "int8")
    throw InputError("--quantize takes int8, not '" + flags.quantize + "'");
  if (!flags.quantize.empty() && flags.dequantize)
    throw InputError("--quantize and --dequantize go in opposite directions: give one");
  if (flags.from != "attn" && flags.from != "marian")
    throw InputError("--from must be attn or marian, got '" + flags.from + "'");
  if (flags.from == "marian") {
    if (flags.inputs.size() != 1 || !flags.average.empty())
      throw InputError("--from marian imports one MODEL.npz");
    if (flags.vocabs.empty()) throw InputError("--from marian needs --vocabs SRC.yml [TGT.yml]");
    if (flags.output.empty() || !flags.vocab_dir.empty() || flags.strip_optimizer)
      throw InputError("--from marian writes a model: give -o FILE (and only that)");
  } else if (!flags.vocabs.empty()) {
    throw InputError("--vocabs goes with --from marian");
  }
  if (!flags.average.empty() && !flags.inputs.empty())
    throw InputError("give the files to average after --average only, not also as inputs");
  if (flags.average.empty() && flags.inputs.size() != 1)
    throw InputError(fmt::format("needs one input model file (or --average FILES), got {}",
                                 flags.inputs.size()));
  if (flags.average.size() == 1) throw InputError("--average needs at least two files");
  if (!flags.output.empty()) {
    std::vector<formats::NamedPath> inputs;
    for (const std::string& input : flags.inputs) inputs.push_back({"the input", input});
    for (const std::string& input : flags.average) inputs.push_back({"--average", input});
    formats::refuse_output_over_inputs({"-o", flags.output}, inputs);
  }
  const bool forward = vm.count("forward-src") || vm.count("forward-tgt");
  if (forward) {
    if (!vm.count("forward-src") || !vm.count("forward-tgt"))
      throw InputError("--forward-src and --forward-tgt go together");
    if (vm.count("to") && !vm["to"].defaulted())
      throw InputError("--forward-src prints logits; it writes no --to format");
    if (flags.strip_optimizer || !flags.vocab_dir.empty())
      throw InputError("--forward-src only prints logits; run the other outputs separately");
    print_forward(flags);
    return 0;
  }
  if (flags.output.empty() && (flags.strip_optimizer || !vm["to"].defaulted()))
    throw InputError("--to and --strip-optimizer need -o FILE");
  if (flags.output.empty() && flags.vocab_dir.empty())
    throw InputError("nothing to write: give -o FILE (or --vocab DIR)");

  std::vector<std::string> done;
  if (!flags.output.empty()) done.push_back(write_model(flags));
  if (!flags.vocab_dir.empty()) {
    const std::string input = flags.average.empty() ? flags.inputs[0] : flags.average[0];
    const std::vector<std::string> written = write_vocabularies(input, flags.vocab_dir);
    done.push_back(fmt::format("vocabularies -> {}", fmt::join(written, ", ")));
  }
  if (!flags.quiet)
    for (const std::string& line : done) fmt::print(stderr, "attn-export: {}\n", line);
  return 0;
}

}  // namespace
}  // namespace attn

int main(int argc, char** argv) {
  return attn::run_tool("attn-export", [&] { return attn::export_main(argc, argv); });
}
