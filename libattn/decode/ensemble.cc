#include "libattn/decode/ensemble.h"

#include <fmt/format.h>

#include "libattn/core/error.h"

namespace attn {

namespace {

struct EnsembleState : DecoderState {
  std::vector<std::unique_ptr<DecoderState>> members;

  void reorder(const std::vector<int32_t>& rows) override {
    for (auto& member : members) member->reorder(rows);
  }
};

}  // namespace

Ensemble::Ensemble(std::vector<DecoderModel*> members) : members_(std::move(members)) {
  ATTN_CHECK(!members_.empty(), "Ensemble: no models");
  const DecoderModel& first = *members_[0];
  for (size_t i = 1; i < members_.size(); ++i) {
    const DecoderModel& m = *members_[i];
    if (m.vocab_size() != first.vocab_size() || m.bos_id() != first.bos_id() ||
        m.eos_id() != first.eos_id() || m.pad_id() != first.pad_id())
      throw InputError(fmt::format(
          "ensemble: model {} has {} output tokens (BOS {}, EOS {}), model 1 has {} (BOS {}, "
          "EOS {}): members must share the target vocabulary",
          i + 1, m.vocab_size(), m.bos_id(), m.eos_id(), first.vocab_size(), first.bos_id(),
          first.eos_id()));
  }
}

std::unique_ptr<DecoderState> Ensemble::encode(const std::vector<std::vector<int32_t>>& sources) {
  auto state = std::make_unique<EnsembleState>();
  for (DecoderModel* member : members_) state->members.push_back(member->encode(sources));
  return state;
}

Tensor Ensemble::step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
                      Tensor* attention) {
  auto& members = static_cast<EnsembleState&>(state).members;
  const int64_t rows = static_cast<int64_t>(prev_tokens.size()), vocab = vocab_size();
  Tensor mean = Tensor::zeros({rows, vocab});
  float* out = mean.data();
  const float scale = 1.0f / static_cast<float>(members_.size());
  for (size_t m = 0; m < members_.size(); ++m) {
    const Tensor log_probs =
        members_[m]->step(*members[m], prev_tokens, m == 0 ? attention : nullptr).contiguous();
    ATTN_CHECK(log_probs.dim(0) == rows && log_probs.dim(1) == vocab,
               "Ensemble: member {} returned [{}, {}], expected [{}, {}]", m + 1,
               log_probs.dim(0), log_probs.dim(1), rows, vocab);
    const float* in = log_probs.data();
    for (int64_t i = 0; i < rows * vocab; ++i) out[i] += in[i];
  }
  if (members_.size() > 1)
    for (int64_t i = 0; i < rows * vocab; ++i) out[i] *= scale;
  return mean;
}

}  // namespace attn
