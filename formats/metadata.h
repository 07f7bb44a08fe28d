// Metadata: everything in a .attn file that is not a tensor, as plain versioned structs.
//
//   Metadata meta;
//   meta.architecture = "transformer";
//   meta.naming_revision = 1;
//   meta.config["d_model"] = "512";                     // libattn maps its typed configs to text
//   meta.vocabularies.push_back({"source", {"<unk>", "<s>", "</s>", "hello"}});
//   std::string text = encode_metadata(meta);            // a Boost text archive
//   Metadata back = decode_metadata(text.data(), text.size());   // == meta
//
// Versions: each struct has a BOOST_CLASS_VERSION (kept below, next to the struct list). To add a
// field, append it, bump that struct's version, and load it only `if (version >= new_version)`,
// so older files keep loading. decode_metadata refuses class versions newer than this build's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attn::formats {

// A token list; a token's id is its index.
struct Vocabulary {
  std::string name;  // "source", "target", "shared", ...
  std::vector<std::string> tokens;
};

// Where a file came from.
struct Provenance {
  std::string tool_version;  // "attn 0.1.0"
  std::string created;       // ISO 8601 UTC, "2024-05-01T12:00:00Z"
  uint64_t steps = 0;        // optimizer updates so far
  uint64_t epochs = 0;       // completed passes over the training data
  double best_valid_score = 0;
  std::string best_valid_metric;  // empty: no validation has run
  std::string data_hash;          // of the training data, to notice resuming on other data
};

struct OptimizerState {
  std::string name;                        // "adam"
  std::map<std::string, double> settings;  // "lr" -> 3e-4, "beta1" -> 0.9, ...
};

// Where in the data a resumed run continues.
struct DataPosition {
  uint64_t epoch = 0;
  uint64_t batch_index = 0;
  uint64_t shuffle_seed = 0;
};

// Only meaningful in checkpoints; the optimizer's moments are tensors, not metadata.
struct TrainingState {
  OptimizerState optimizer;
  std::vector<uint64_t> rng_state;
  DataPosition data_position;
  // The attn-train options the run was started with (flag -> text, as given): a resumed
  // run continues with them. Class version 1.
  std::map<std::string, std::string> run_options;
};

struct Metadata {
  std::string architecture;                   // "transformer", "rnn_seq2seq", ...
  uint32_t naming_revision = 0;               // the architecture's tensor-naming revision
  std::map<std::string, std::string> config;  // hyperparameters and attention choices, as text
  std::vector<Vocabulary> vocabularies;
  std::string sentencepiece_model;  // serialized SentencePiece ModelProto bytes; may be empty
  Provenance provenance;
  TrainingState training;
};

bool operator==(const Vocabulary& a, const Vocabulary& b);
bool operator==(const Provenance& a, const Provenance& b);
bool operator==(const OptimizerState& a, const OptimizerState& b);
bool operator==(const DataPosition& a, const DataPosition& b);
bool operator==(const TrainingState& a, const TrainingState& b);
bool operator==(const Metadata& a, const Metadata& b);
inline bool operator!=(const Metadata& a, const Metadata& b) { return !(a == b); }

// The Boost archive library version this build writes and reads up to.
uint32_t metadata_archive_version();

// A Boost text archive of meta. Doubles round-trip exactly; sentencepiece_model is stored as
// hex so the archive stays printable text.
std::string encode_metadata(const Metadata& meta);

// The inverse of encode_metadata, safe on hostile bytes: every length and count is checked
// against the bytes left before anything is allocated. Throws FormatError (kBadMetadata,
// kNewerVersion or kLimit) with an empty path and an offset into text.
Metadata decode_metadata(const char* text, std::size_t size);

}  // namespace attn::formats
