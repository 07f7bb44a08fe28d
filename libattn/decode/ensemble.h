// An ensemble of models decoded in one search (Marian's and fairseq's ensembles): each step's
// log-probabilities are the mean of the members' log-probabilities, so a hypothesis scores
// the mean of the scores each member gives it. Members must share the target vocabulary
// (and read the same source ids); beams reorder every member's caches together.
//
//   Ensemble ensemble({&model_a, &model_b});
//   auto hyps = beam_search(ensemble, sources, options);
#pragma once

#include <memory>
#include <vector>

#include "libattn/decode/decoder_model.h"

namespace attn {

class Ensemble : public DecoderModel {
 public:
  // Throws InputError when the members disagree on vocabulary size or BOS/EOS/padding ids.
  explicit Ensemble(std::vector<DecoderModel*> members);

  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  // The attention, when asked for, is the first member's.
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

  int32_t bos_id() const override { return members_[0]->bos_id(); }
  int32_t eos_id() const override { return members_[0]->eos_id(); }
  int32_t pad_id() const override { return members_[0]->pad_id(); }
  int64_t vocab_size() const override { return members_[0]->vocab_size(); }

 private:
  std::vector<DecoderModel*> members_;
};

}  // namespace attn
