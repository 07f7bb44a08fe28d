#include "libattn/models/registry.h"

#include "libattn/core/error.h"
#include "libattn/models/transformer.h"

namespace attn {

std::unique_ptr<Seq2SeqModel> create_model(const std::string& architecture,
                                           const ConfigMap& config, Rng& rng) {
  if (architecture == "transformer")
    return std::make_unique<Transformer>(TransformerConfig::from_map(config), rng);
  throw InputError("unknown model architecture '" + architecture + "'");
}

std::vector<std::string> known_architectures() { return {"transformer"}; }

}  // namespace attn
