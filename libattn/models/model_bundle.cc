#include "libattn/models/model_bundle.h"

#include <cmath>
#include <set>

#include "formats/model_writer.h"
#include "libattn/core/allocation_budget.h"
#include "libattn/core/error.h"
#include "libattn/models/compute_type.h"
#include "libattn/models/marian_import.h"
#include "libattn/models/registry.h"
#include "libattn/nn/parameters.h"

namespace attn {

std::vector<int32_t> TextCodec::encode(std::string_view line, std::string_view where) const {
  if (point_dims == 0) return vocab.encode(tokenizer.split(line, where));
  const PointCodec points{point_dims};
  std::vector<int32_t> ids;
  for (const std::string& piece : tokenizer.split(line, where))
    ids.push_back(points.encode(piece, where));
  return ids;
}

std::vector<std::string> TextCodec::pieces(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int32_t id : ids)
    out.push_back(point_dims > 0 && id >= Vocabulary::kSpecials ? PointCodec{point_dims}.piece(id)
                                                                : vocab.token(id));
  return out;
}

std::string TextCodec::decode(const std::vector<int32_t>& ids) const {
  if (point_dims == 0) return tokenizer.join(vocab.decode(ids));
  std::vector<int32_t> points;
  for (int32_t id : ids)
    if (id >= Vocabulary::kSpecials) points.push_back(id);
  return tokenizer.join(pieces(points));
}

void use_point_source(ModelBundle& bundle, const ConfigMap& config) {
  auto dims = config.find("input_dims");
  if (dims == config.end() || dims->second == "0") return;
  size_t used = 0;
  int d = 0;
  try {
    d = std::stoi(dims->second, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != dims->second.size() || d < 1 || d > PointCodec::kMaxDims)
    throw InputError(fmt::format("--input-dims must lie in 1..{} (or 0 for tokens), not '{}'",
                                 PointCodec::kMaxDims, dims->second));
  if (bundle.source.tokenizer.kind() != TokenizerKind::kWords)
    throw InputError(
        "--input-dims reads every source word as a point (\"0.2,0.7\"): use --tokens words");
  bundle.source = {Tokenizer::words(), Vocabulary(), d};
}

namespace {

const formats::Vocabulary& find_vocabulary(const formats::ModelFile& file,
                                           const std::string& name) {
  for (const auto& v : file.metadata().vocabularies)
    if (v.name == name) return v;
  throw formats::FormatError(formats::FormatErrorKind::kBadMetadata, file.path(),
                             formats::FormatError::kNoOffset,
                             "no '" + name + "' vocabulary in the metadata");
}

[[noreturn]] void refuse_model(const formats::ModelFile& file, const std::string& problem) {
  throw formats::FormatError(formats::FormatErrorKind::kBadMetadata, file.path(),
                             formats::FormatError::kNoOffset, problem);
}

// The bytes of all the file's tensors as f32: what building its model may allocate (plus
// slack for what a model keeps beside its parameters) before the parameters are checked
// against them. An i8 matrix becomes an f32 parameter: it counts four times.
uint64_t tensor_bytes(const formats::ModelFile& file) {
  uint64_t bytes = 0;
  for (const formats::TensorEntry& t : file.tensors())
    bytes += t.dtype == formats::FileDType::kI8 ? 4 * t.byte_size : t.byte_size;
  return bytes;
}

// Everything the file holds must be something the model reads: a tensor the model does not
// know means the config does not describe the file (tie_output flipped, a layer too few).
void check_no_unknown_tensors(const formats::ModelFile& file, const NamedParameters& params) {
  std::set<std::string> known;
  for (const auto& [name, var] : params) known.insert(name);
  for (const formats::TensorEntry& t : file.tensors()) {
    if (known.count(t.name)) continue;
    // The scales of an int8 matrix (format 1.1), paired by name with a parameter stored i8.
    const std::string::size_type colon = t.name.rfind(':');
    if (colon != std::string::npos && formats::int8_scale_name(t.name.substr(0, colon)) == t.name) {
      const formats::TensorEntry* matrix = file.find_tensor(t.name.substr(0, colon));
      if (matrix && matrix->dtype == formats::FileDType::kI8 && known.count(matrix->name)) continue;
    }
    // What train/ keeps beside the parameters in a checkpoint: the optimizer's moments
    // (optimizer_io) and the moving average of the weights (exponential_average).
    if (file.kind() == formats::FileKind::kCheckpoint &&
        (t.name.rfind("optimizer.", 0) == 0 || t.name.rfind("ema.", 0) == 0))
      continue;
    throw formats::FormatError(formats::FormatErrorKind::kBadTensor, file.path(), t.offset,
                               "tensor '" + t.name + "' is no parameter of the " +
                                   file.metadata().architecture +
                                   " its config describes: the config does not fit the tensors");
  }
}

}  // namespace

void check_finite_parameters(const ModelBundle& bundle) {
  for (const auto& [name, var] : bundle.model->parameters()) {
    const Tensor& value = var.value();
    // An int8 copy holds integers and scales checked at load; its f32 may be a stand-in.
    if (int8_weight(value)) continue;
    const float* data = value.data();
    int64_t bad = 0;
    for (int64_t i = 0, n = value.numel(); i < n; ++i) bad += !std::isfinite(data[i]);
    if (bad > 0)
      throw formats::FormatError(
          formats::FormatErrorKind::kBadTensor, bundle.file ? bundle.file->path() : "<model>",
          formats::FormatError::kNoOffset,
          fmt::format("tensor '{}' holds {} NaN or infinite values of {}: the model cannot "
                      "decode (did training diverge?)",
                      name, bad, value.numel()));
  }
}

ModelBundle load_bundle(const std::string& path, BindMode mode) {
  return load_bundle(std::make_shared<formats::ModelFile>(formats::read_model_file(path)), mode);
}

ModelBundle load_bundle(std::shared_ptr<formats::ModelFile> model_file, BindMode mode) {
  ModelBundle bundle;
  bundle.file = std::move(model_file);
  const formats::ModelFile& file = *bundle.file;
  bundle.metadata = file.metadata();
  const formats::Metadata& meta = bundle.metadata;
  try {
    auto tokens = meta.config.find("tokens");
    const TokenizerKind kind =
        parse_tokenizer_kind(tokens == meta.config.end() ? "words" : tokens->second);
    Tokenizer tokenizer = kind == TokenizerKind::kSentencePiece
                              ? Tokenizer::load_sentencepiece(meta.sentencepiece_model)
                          : kind == TokenizerKind::kCharacters ? Tokenizer::characters()
                                                               : Tokenizer::words();
    bundle.source = {tokenizer, Vocabulary::from_tokens(find_vocabulary(file, "source").tokens)};
    bundle.target = {tokenizer, Vocabulary::from_tokens(find_vocabulary(file, "target").tokens)};
    // "tokens" picks the tokenizer above; it is the bundle's key, not the model's, and the
    // models that check their keys would refuse it.
    ConfigMap model_config = meta.config;
    model_config.erase("tokens");
    model_config.erase(kImportedFromKey);  // provenance of imported models, not the model's
    model_config.erase(kImportedConfigKey);
    Rng rng(0);
    {
      SkipParameterInit no_random_weights;  // load_parameters below sets every one
      // The config comes from the file: it may not ask for more memory than its tensors fill.
      AllocationBudget budget(tensor_bytes(file) + (64u << 20),
                              "the " + meta.architecture + " config");
      bundle.model = create_model(meta.architecture, model_config, rng);
    }
    use_point_source(bundle, model_config);  // source tokens that are points, if any
  } catch (const InputError& e) {
    throw InputError(file.path() + ": " + e.what());
  }
  if (meta.naming_revision > bundle.model->naming_revision())
    throw formats::FormatError(
        formats::FormatErrorKind::kNewerVersion, file.path(), formats::FormatError::kNoOffset,
        "tensor names of a newer attn (" + meta.architecture + " revision " +
            std::to_string(meta.naming_revision) + "); this build reads up to revision " +
            std::to_string(bundle.model->naming_revision()));
  if (bundle.model->vocab_size() != bundle.target.vocab.size())
    refuse_model(file, fmt::format("target vocabulary has {} tokens, the model {}",
                                   bundle.target.vocab.size(), bundle.model->vocab_size()));
  const ConfigMap saved = bundle.model->config_map();
  const auto src_vocab = saved.find("src_vocab");
  if (bundle.source.point_dims == 0 && src_vocab != saved.end() &&
      src_vocab->second != std::to_string(bundle.source.vocab.size()))
    refuse_model(file, fmt::format("source vocabulary has {} tokens, the config's src_vocab {}",
                                   bundle.source.vocab.size(), src_vocab->second));
  const NamedParameters params = bundle.model->parameters();
  check_no_unknown_tensors(file, params);
  if (mode == BindMode::kMapInt8) bundle.int8 = std::make_shared<Int8Weights>();
  load_parameters(params, bundle.file, mode, bundle.int8.get());
  return bundle;
}

bool stores_int8(const ModelBundle& bundle) {
  if (!bundle.file) return false;
  for (const auto& entry : bundle.file->tensors())
    if (entry.dtype == formats::FileDType::kI8) return true;
  return false;
}

void save_bundle(const std::string& path, formats::FileKind kind, const ModelBundle& bundle,
                 const std::vector<formats::TensorToWrite>& extra, WeightStorage storage) {
  formats::Metadata meta = bundle.metadata;
  meta.architecture = bundle.model->architecture();
  meta.naming_revision = bundle.model->naming_revision();
  meta.config = bundle.model->config_map();
  meta.config["tokens"] = tokenizer_kind_name(bundle.source.tokenizer.kind());
  for (const char* key : {kImportedFromKey, kImportedConfigKey}) {
    auto it = bundle.metadata.config.find(key);
    if (it != bundle.metadata.config.end()) meta.config[key] = it->second;
  }
  meta.vocabularies = {{"source", bundle.source.vocab.tokens()},
                       {"target", bundle.target.vocab.tokens()}};
  meta.sentencepiece_model = bundle.source.tokenizer.sentencepiece_model();
  if (kind != formats::FileKind::kCheckpoint) meta.training = {};
  const QuantizedParameterTensors quantized = quantized_parameter_tensors(
      bundle.model->parameters(), storage == WeightStorage::kInt8
                                      ? int8_weight_names(*bundle.model)
                                      : std::vector<std::string>{});
  std::vector<formats::TensorToWrite> tensors = quantized.tensors;
  tensors.insert(tensors.end(), extra.begin(), extra.end());
  formats::write_model_file(path, kind, meta, tensors);
}

}  // namespace attn
