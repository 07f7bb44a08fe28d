// Builds a model from its architecture name and stored config: how attn-train makes a fresh
// model from flags and how a model file becomes a model again.
//
//   auto model = create_model("transformer", config_map, rng);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libattn/models/seq2seq_model.h"

namespace attn {

std::unique_ptr<Seq2SeqModel> create_model(const std::string& architecture,
                                           const ConfigMap& config, Rng& rng);
std::vector<std::string> known_architectures();

// The config attn-train starts from before flags override it: every key the architecture
// reads, so a flag that names no key of the architecture can be refused. Vocabulary sizes
// are left for the data to set.
ConfigMap default_config(const std::string& architecture, const std::string& preset);

}  // namespace attn
