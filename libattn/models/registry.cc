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

std::unique_ptr<Seq2SeqModel> create_model(const std::string& architecture, const ConfigMap& config,
                                           Rng& rng) {
  if (architecture == "transformer")
    return std::make_unique<Transformer>(TransformerConfig::from_map(config), rng);
  if (architecture == "rnn") return std::make_unique<RnnSeq2Seq>(RnnConfig::from_map(config), rng);
  if (architecture == "ntm") return std::make_unique<NtmSeq2Seq>(NtmConfig::from_map(config), rng);
  if (architecture == "snail")
    return std::make_unique<SnailModel>(SnailConfig::from_map(config), rng);
  if (architecture == "pointer")
    return std::make_unique<PointerNetwork>(PointerConfig::from_map(config), rng);
  if (architecture == "classifier")
    return std::make_unique<AttentionClassifier>(ClassifierConfig::from_map(config), rng);
  if (architecture == "caption")
    return std::make_unique<CaptionModel>(CaptionConfig::from_map(config), rng);
  throw InputError("unknown model architecture '" + architecture + "'");
}

std::vector<std::string> known_architectures() {
  return {"transformer", "rnn", "ntm", "snail", "pointer", "classifier", "caption"};
}

ConfigMap default_config(const std::string& architecture, const std::string& preset) {
  if (architecture == "transformer") return TransformerConfig::preset(preset).to_map();
  if (architecture == "rnn") return RnnConfig::preset(preset).to_map();
  if (architecture == "ntm") return NtmConfig::preset(preset).to_map();
  if (architecture == "snail") return SnailConfig::preset(preset).to_map();
  if (architecture == "pointer") return PointerConfig::preset(preset).to_map();
  if (architecture == "classifier") return ClassifierConfig::preset(preset).to_map();
  if (architecture == "caption") return CaptionConfig::preset(preset).to_map();
  throw InputError("unknown model architecture '" + architecture + "'");
}

}  // namespace attn
