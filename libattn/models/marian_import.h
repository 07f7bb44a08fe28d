// Importing a model trained by Marian (the format of OPUS-MT) as an attn ModelBundle.
//
//   ModelBundle bundle = import_marian("model.npz", {"vocab.yml"});          // one shared vocabulary
//   ModelBundle bundle = import_marian("model.npz", {"src.yml", "tgt.yml"});
//   save_bundle("model.attn", formats::FileKind::kModel, bundle, nullptr);
//
// The npz holds the weights under Marian's names and Marian's whole configuration as YAML text
// in the array "special:model.yml" (Marian 1.12 pads it with NUL bytes; they are dropped).
// Marian's Transformer becomes attn's Transformer, Marian's s2s (bidirectional GRU encoder,
// conditional GRU decoder, deep output) attn's RNN with the cgru decoder. Every option that
// changes the computation is mapped onto the model's config or refused by name ("unsupported Marian option transformer-decoder-autoreg: average-attention"); every
// array's dtype and shape is checked against the configuration, and an array no option
// accounts for is refused too, so an unknown variant never loads as a silently different model.
//
// Marian's vocabulary (.yml, token: id) has </s> = 0 and <unk> = 1 and no <pad> or <s>; attn's
// has <pad>, <unk>, <s>, </s> first. Rows are permuted to attn's ids; <pad> and <s> get zero
// embeddings (Marian starts decoding from a zero vector) and no probability (output_specials
// false), and every source ends with </s> (source_eos) as Marian's did.
#pragma once

#include <string>
#include <vector>

#include "libattn/models/model_bundle.h"

namespace attn {

// Throws InputError naming the file and the option, array or token for anything it cannot
// import exactly; formats::FormatError for a damaged npz.
ModelBundle import_marian(const std::string& npz_path, const std::vector<std::string>& vocab_paths);

// The config keys an imported file carries beside its model's own: where it came from, and
// Marian's configuration (one line of YAML flow style). load_bundle strips them before the model
// sees its config; save_bundle keeps them.
extern const char* const kImportedFromKey;
extern const char* const kImportedConfigKey;

}  // namespace attn
