// attn-inspect: what is in a .attn file, and is it sound?
//
//   attn-inspect model.attn                 summary: version, config, vocabularies, parameters
//   attn-inspect --tensors model.attn       every tensor: shape, dtype, bytes, statistics
//   attn-inspect --meta model.attn          the raw metadata archive
//   attn-inspect --json a.attn b.attn       all of it as JSON (an array for several files)
//   attn-inspect --verify model.attn        check every CRC, load it, no NaN; exit 2 if not
//   cat model.attn | attn-inspect -         read stdin
//   attn-inspect --attention "a line" model.attn [--out map.svg] [--beam-size N]
//                                           decode the line and draw its attention: source
//                                           across, output down; an SVG with --out, else
//                                           Unicode shades on stdout
//
// Damaged or unreadable input: one line per problem on stderr, "attn-inspect: <message>",
// the other files still inspected, and exit code 2.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "formats/inspect.h"
#include "formats/model_reader.h"
#include "formats/output_file.h"
#include "libattn/autograd/tape.h"
#include "libattn/decode/attention_picture.h"
#include "libattn/decode/search.h"
#include "libattn/models/model_bundle.h"
#include "tools/tool_main.h"

namespace po = boost::program_options;

namespace attn {
namespace {

constexpr const char* kTool = "attn-inspect";

struct InspectFlags {
  std::vector<std::string> files;
  bool tensors = false;
  bool meta = false;
  bool json = false;
  bool verify = false;
  std::string attention;  // a source line to decode and draw
  std::string out;        // the attention picture's SVG file; empty: shades on stdout
  int beam_size = 5;
};

// Returns false (after printing help) when there is nothing to inspect.
bool parse_flags(int argc, char** argv, InspectFlags& flags) {
  po::options_description visible("Usage: attn-inspect [options] FILE... ('-' reads stdin)");
  visible.add_options()("help,h", "show this help")("version", "print the version and exit")(
      "tensors,t", po::bool_switch(&flags.tensors),
      "list every tensor: shape, dtype, bytes, mean, std, min, max, NaN/Inf counts")(
      "meta,m", po::bool_switch(&flags.meta), "print the raw metadata archive")(
      "json,j", po::bool_switch(&flags.json), "print everything as JSON")(
      "verify,v", po::bool_switch(&flags.verify), "check every CRC, load the model and scan for NaN/Inf weights; exit 2 on any damage")(
      "attention", po::value(&flags.attention),
      "decode this source line and draw its attention (source across, output down)")(
      "out,o", po::value(&flags.out), "--attention: write an SVG here instead of shades on stdout")(
      "beam-size,b", po::value(&flags.beam_size)->default_value(5),
      "--attention: beam size; 1 = greedy");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&flags.files));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::ostringstream help;
    help << visible;
    fmt::print("{}", help.str());
    return false;
  }
  if (vm.count("version")) {
    print_version("attn-inspect");
    return false;
  }
  if (flags.files.empty()) throw po::error("no input file (use '-' for stdin)");
  if (vm.count("attention") && flags.attention.empty())
    throw po::error("--attention needs a source line to decode");
  if (vm.count("attention") && flags.files.size() != 1)
    throw po::error("--attention decodes with one model file");
  if (!vm.count("attention") && (vm.count("out") || !vm["beam-size"].defaulted()))
    throw po::error("--out and --beam-size go with --attention");
  if (flags.beam_size < 1) throw po::error("--beam-size must be at least 1");
  return true;
}

// Decodes flags.attention with the model in `path` and draws the best hypothesis' attention.
void draw_attention(const std::string& path, const InspectFlags& flags) {
  if (!flags.out.empty()) formats::refuse_output_over_inputs({"--out", flags.out}, {{"the model", path}});
  const ModelBundle bundle = load_bundle(path, BindMode::kMap);
  const std::vector<int32_t> source = bundle.source.encode(flags.attention, "--attention");
  if (source.empty()) throw InputError("--attention: the line has no tokens");
  BeamOptions options;
  options.beam_size = flags.beam_size;
  options.return_alignment = true;
  NoGrad no_grad;
  const Hypothesis best = search(*bundle.model, {source}, options).front().front();
  if (best.attention.empty())
    throw InputError(path + ": the model returned no attention weights to draw");
  const std::vector<std::string> source_pieces = bundle.source.pieces(source);
  const std::vector<std::string> output_pieces = bundle.target.pieces(best.tokens);
  if (flags.out.empty()) {
    fmt::print("{}", attention_shades(source_pieces, output_pieces, best.attention));
    return;
  }
  const std::string svg = attention_svg(source_pieces, output_pieces, best.attention);
  formats::write_output(flags.out, [&](const formats::ByteSink& sink) { sink(svg.data(), svg.size()); });
}

void report(const std::string& message) { fmt::print(stderr, "{}: {}\n", kTool, message); }

// --verify on a sound container: what every tool refuses at load (load_bundle), and NaN or
// infinite weights, which decode refuses.
std::vector<formats::FormatError> model_problems(const std::shared_ptr<formats::ModelFile>& file) {
  try {
    check_finite_parameters(load_bundle(file, BindMode::kMap));
    return {};
  } catch (const formats::FormatError& e) {
    return {e};
  } catch (const InputError& e) {
    std::string problem = e.what();  // "path: problem", as load_bundle words it
    if (problem.rfind(file->path() + ": ", 0) == 0) problem.erase(0, file->path().size() + 2);
    return {formats::FormatError(formats::FormatErrorKind::kBadMetadata, file->path(),
                                 formats::FormatError::kNoOffset, problem)};
  }
}

// Prints what the flags ask for about a file that parsed; returns whether it was undamaged.
bool show_file(const std::shared_ptr<formats::ModelFile>& model_file, const InspectFlags& flags,
               nlohmann::json& documents) {
  const formats::ModelFile& file = *model_file;
  std::vector<formats::FormatError> damage = formats::find_damage(file);
  if (flags.verify && damage.empty()) damage = model_problems(model_file);
  if (flags.json) {
    documents.push_back(formats::describe_json(file, damage));
  } else if (flags.verify) {
    if (damage.empty()) {
      fmt::print("{}: OK ({} tensors, {} bytes, every CRC matches, the model loads)\n", file.path(),
                 file.tensors().size(), file.file_size());
    }
  } else {
    if (!flags.tensors && !flags.meta) fmt::print("{}", formats::format_summary(file, damage));
    if (flags.tensors) fmt::print("{}", formats::format_tensor_table(file));
    if (flags.meta) fmt::print("{}", file.metadata_text());
  }
  std::fflush(stdout);
  for (const formats::FormatError& e : damage) report(e.what());
  return damage.empty();
}

// Inspects one file as the flags ask; returns whether it was sound.
bool inspect_file(const std::string& path, const InspectFlags& flags, nlohmann::json& documents) {
  formats::ReadOptions options;
  options.check_tensor_crcs = false;  // find_damage reports every bad tensor, not just the first
  try {
    return show_file(std::make_shared<formats::ModelFile>(formats::read_model_file(path, options)),
                     flags, documents);
  } catch (const formats::FormatError& e) {
    report(e.what());
    if (flags.json) documents.push_back({{"path", path}, {"error", e.what()}});
    return false;
  }
}

int inspect_main(int argc, char** argv) {
  InspectFlags flags;
  if (!parse_flags(argc, argv, flags)) return 0;
  if (!flags.attention.empty()) {
    draw_attention(flags.files.front(), flags);
    return 0;
  }
  nlohmann::json documents = nlohmann::json::array();
  bool sound = true;
  for (const std::string& path : flags.files) sound = inspect_file(path, flags, documents) && sound;
  if (flags.json) {
    const nlohmann::json& out = documents.size() == 1 ? documents[0] : documents;
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return sound ? 0 : 2;
}

}  // namespace
}  // namespace attn

int main(int argc, char** argv) {
  return attn::run_tool(attn::kTool, [&] { return attn::inspect_main(argc, argv); });
}
