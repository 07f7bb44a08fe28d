// Every architecture attn builds, in one table: its name, its config's fields, its presets and
// how a model is made from a stored config. How attn-train makes a fresh model from flags and
// how a model file becomes a model again.
//
//   auto model = create_model("transformer", config_map, rng);
//   for (const FieldInfo& field : find_architecture("rnn").fields) ...  // flags, --help
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libattn/models/seq2seq_model.h"

namespace attn {

struct ModelBundle;

// What the tools do differently for a model, said by its entry instead of by comparing
// architecture names.
struct ModelCapabilities {
  // The target vocabulary follows from the config, not from the data (the pointer network's
  // positions): attn-train sets it with this before it makes the model. Null: from the data.
  void (*set_target_vocabulary)(ModelBundle& bundle, const ConfigMap& config) = nullptr;
  // Some targets always get probability 0 (impossible positions), so label smoothing, which
  // gives every target some, would make the loss infinite: the model trains without.
  bool refuses_label_smoothing = false;
  // The target is one label: decoding answers with the first step's label distribution
  // (decode/classify.h) instead of a search, and the model does not ensemble.
  bool classifies = false;
};

struct Architecture {
  std::string name;
  std::vector<FieldInfo> fields;  // in the config's order
  // The config attn-train starts from before flags override it: every key the model file
  // writes; vocabulary sizes are left for the data to set.
  ConfigMap (*preset)(const std::string& name);
  std::unique_ptr<Seq2SeqModel> (*create)(const ConfigMap& config, Rng& rng);
  ModelCapabilities capabilities;
};

const std::vector<Architecture>& architectures();
const Architecture& find_architecture(const std::string& name);  // InputError if unknown

std::unique_ptr<Seq2SeqModel> create_model(const std::string& architecture,
                                           const ConfigMap& config, Rng& rng);
std::vector<std::string> known_architectures();
ConfigMap default_config(const std::string& architecture, const std::string& preset);

}  // namespace attn
