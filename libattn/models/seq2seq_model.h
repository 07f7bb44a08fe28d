// What the trainer and the tools need of any sequence-to-sequence model, on top of the
// decoding interface: a name, a config the model file can store, named parameters, and a
// teacher-forced forward pass.
//
//   std::unique_ptr<Seq2SeqModel> model = create_model("transformer", config, rng);
//   Var logits = model->forward(batch.src, batch.tgt_in, {true, &rng});  // [B, T, V]
//   auto hyps = beam_search(*model, sources, beam_options);                // DecoderModel
//
// Token ids: 0 <pad>, 1 <unk>, 2 <s>, 3 </s> (libattn/data/vocab.h). Sources carry no
// BOS/EOS; tgt_in is BOS + target, and the loss compares with target + EOS.
#pragma once

#include <map>
#include <string>

#include "libattn/decode/decoder_model.h"
#include "libattn/models/config_fields.h"
#include "libattn/nn/parameters.h"

namespace attn {

class Seq2SeqModel : public DecoderModel {
 public:
  virtual std::string architecture() const = 0;   // "transformer", "rnn", ...
  virtual uint32_t naming_revision() const = 0;   // bumps when tensor names change
  virtual ConfigMap config_map() const = 0;       // everything needed to rebuild the model
  virtual NamedParameters parameters() const = 0; // names are the model file's tensor names

  // Teacher-forced logits: src int32 [B, S], tgt_in int32 [B, T] -> [B, T, V].
  // `attention`, when given, receives named attention matrices of this pass
  // ("decoder.layers.0.encoder_attn" -> [B, H, T, S], "attention" -> [B, T, S] for RNNs).
  virtual Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
                      std::map<std::string, Tensor>* attention = nullptr) const = 0;

  // A term the last forward() adds to the training loss, such as the self-attentive
  // classifier's penalty ||AAᵀ - I||²_F (Lin et al. 2017); undefined for most models. Valid
  // until the next forward() or the reset of the arena it ran in.
  virtual Var extra_loss() const { return Var(); }

  int32_t bos_id() const override { return 2; }
  int32_t eos_id() const override { return 3; }
};

// The part of every model that comes from its config (a TableConfig with kArchitecture and
// tgt_vocab): the name, the stored config, the output vocabulary.
template <typename Config>
class ConfiguredModel : public Seq2SeqModel {
 public:
  explicit ConfiguredModel(const Config& config) : config_(config) {}

  std::string architecture() const override { return Config::kArchitecture; }
  uint32_t naming_revision() const override { return 1; }  // no model has renamed tensors yet
  ConfigMap config_map() const override { return config_.to_map(); }
  int64_t vocab_size() const override { return config_.tgt_vocab; }
  const Config& config() const { return config_; }

 protected:
  Config config_;
};

}  // namespace attn
