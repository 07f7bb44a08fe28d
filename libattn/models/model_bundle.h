// A model with everything it needs to turn raw text into ids and ids back into text: what a
// .attn file holds, as libattn objects.
//
//   ModelBundle bundle = load_bundle("model.attn", BindMode::kMap);
//   std::vector<int32_t> ids = bundle.source.encode("a raw line", "<stdin>:1");
//   auto hyps = beam_search(*bundle.model, {ids}, options);
//   std::string text = bundle.target.decode(hyps[0][0].tokens);
//   save_bundle("copy.attn", formats::FileKind::kModel, bundle);
//
// The file's config map holds the model's own config plus "tokens" (words | chars | spm);
// vocabularies are stored as "source" and "target"; a SentencePiece model once, shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/layout.h"
#include "formats/metadata.h"
#include "libattn/data/points.h"
#include "libattn/data/tokenizer.h"
#include "libattn/data/vocab.h"
#include "libattn/models/parameter_io.h"
#include "libattn/models/seq2seq_model.h"

namespace attn {

// One side's text handling: tokenizer, then vocabulary; or, for a model config with
// "input_dims" D > 0 (a pointer network over points, a caption model over feature vectors),
// word tokens read as points of D coordinates (libattn/data/points.h) and a vocabulary of
// the specials only.
struct TextCodec {
  Tokenizer tokenizer = Tokenizer::words();
  Vocabulary vocab;
  int point_dims = 0;

  std::vector<int32_t> encode(std::string_view line, std::string_view where) const;
  // One string per id, specials included: labels for attention rows and columns.
  std::vector<std::string> pieces(const std::vector<int32_t>& ids) const;
  std::string decode(const std::vector<int32_t>& ids) const;
};

struct ModelBundle {
  std::unique_ptr<Seq2SeqModel> model;
  TextCodec source;
  TextCodec target;
  formats::Metadata metadata;  // provenance and, from a checkpoint, the training state
  std::shared_ptr<formats::ModelFile> file;  // the file it was loaded from, if any
  // Loaded with BindMode::kMapInt8: the int8 copies of the matrices the file stores in int8
  // (their f32 parameters are stand-ins without memory; parameter_io.h).
  std::shared_ptr<Int8Weights> int8;
};

// Gives a freshly built bundle the source side a config with "input_dims" D > 0 asks for,
// whatever the architecture: word tokens read as points of D coordinates, no vocabulary
// beyond the specials. Does nothing for D = 0 or no key. InputError for D outside 0..4 or a
// source tokenizer other than words (points are whole words, and a model file keeps one
// tokenizer for both sides). load_bundle calls it with the saved config.
void use_point_source(ModelBundle& bundle, const ConfigMap& config);

// Reads a model or checkpoint and rebuilds the model from its architecture and config: the
// one semantic check of a file every tool shares. Beyond the container's checks (reader),
// the config must parse within its bounds, building it may take no more memory than the
// file's tensors fill, the vocabularies must have the sizes the config says, and the tensors
// must be exactly the model's parameters with exactly their shapes (a checkpoint adds
// optimizer moments). FormatError or InputError naming the file otherwise.
ModelBundle load_bundle(const std::string& path, BindMode mode);
ModelBundle load_bundle(std::shared_ptr<formats::ModelFile> file, BindMode mode);

// FormatError(kBadTensor) naming the first parameter that holds a NaN or an infinity: such a
// model decodes to empty lines. A pass over every weight, so decode and --verify call it.
void check_finite_parameters(const ModelBundle& bundle);

// Writes atomically. `extra` tensors (a checkpoint's optimizer state) follow the parameters;
// bundle.metadata's training state and provenance are written as they are (a checkpoint's only).
// kInt8: the weight matrices models/compute_type.h names (int8_weight_names) are stored as
// i8 + f32 per-row scales (format 1.1; attn-export --quantize int8).
enum class WeightStorage { kF32, kInt8 };
void save_bundle(const std::string& path, formats::FileKind kind, const ModelBundle& bundle,
                 const std::vector<formats::TensorToWrite>& extra = {},
                 WeightStorage storage = WeightStorage::kF32);

// Whether the bundle's file stores any weight in int8 (then decoding defaults to int8).
bool stores_int8(const ModelBundle& bundle);

}  // namespace attn
