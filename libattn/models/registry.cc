#include "libattn/models/registry.h"

#include "libattn/core/error.h"
#include "libattn/models/attention_classifier.h"
#include "libattn/models/caption_model.h"
#include "libattn/models/ntm.h"
#include "libattn/models/pointer_network.h"
#include "libattn/models/rnn_seq2seq.h"
#include "libattn/models/snail.h"
#include "libattn/models/transformer.h"

namespace attn {

namespace {

template <typename Model, typename Config>
Architecture entry(ModelCapabilities capabilities = {}) {
  return {Config::kArchitecture, field_infos(Config::fields()),
          [](const std::string& preset) { return Config::preset(preset).to_map(); },
          [](const ConfigMap& config, Rng& rng) -> std::unique_ptr<Seq2SeqModel> {
            return std::make_unique<Model>(Config::from_map(config), rng);
          },
          capabilities};
}

}  // namespace

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> table = {
      entry<Transformer, TransformerConfig>(),
      entry<RnnSeq2Seq, RnnConfig>(),
      entry<NtmSeq2Seq, NtmConfig>(),
      entry<SnailModel, SnailConfig>(),
      entry<PointerNetwork, PointerConfig>(
          {.set_target_vocabulary = set_pointer_target, .refuses_label_smoothing = true}),
      entry<AttentionClassifier, ClassifierConfig>({.classifies = true}),
      entry<CaptionModel, CaptionConfig>(),
  };
  return table;
}

const Architecture& find_architecture(const std::string& name) {
  for (const Architecture& architecture : architectures())
    if (architecture.name == name) return architecture;
  throw InputError("unknown model architecture '" + name + "'");
}

std::unique_ptr<Seq2SeqModel> create_model(const std::string& architecture, const ConfigMap& config,
                                           Rng& rng) {
  return find_architecture(architecture).create(config, rng);
}

std::vector<std::string> known_architectures() {
  std::vector<std::string> names;
  for (const Architecture& architecture : architectures()) names.push_back(architecture.name);
  return names;
}

ConfigMap default_config(const std::string& architecture, const std::string& preset) {
  return find_architecture(architecture).preset(preset);
}

}  // namespace attn
