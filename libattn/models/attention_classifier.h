// Text classifier with attention pooling: a recurrent encoder, then attention turns the
// token states into one vector per sentence, then a linear layer gives the label.
//
//   ClassifierConfig config;                        // src_vocab from the text, tgt_vocab:
//   config.src_vocab = 8000; config.tgt_vocab = 4 + 5;   // the 4 specials + 5 labels
//   config.pooling = PoolingType::kSelfAttentive; config.hops = 4; config.penalty = 1.0f;
//   AttentionClassifier model(config, rng);
//   Var logits = model.forward(src, tgt_in, {true, &rng});  // [B, T, V]; t = 0 is the label
//   Var loss = add(cross_entropy(logits, tgt_out).loss, model.extra_loss());
//
// It fits the sequence-to-sequence tools by reading the label as a one-token target: the
// target vocabulary is the labels, tgt_in = <s> label, tgt_out = label </s>. Step 0 scores
// the labels from the pooled vector; every later step reads one learned logit vector that
// learns to say </s>, so greedy and beam search print exactly one label.
//
// Encoder: embeddings -> stacked GRU/LSTM, bidirectional with H/2 units a direction: h_j,
// [B, S, H]. Pooling, with A [B, r, S] the attention of r hops over the real tokens:
//   static          a = softmax(u_wᵀ tanh(W h_j + b)), c = Σ_j a_j h_j     Yang et al. 2016
//                   (one learned context vector u_w: hops must be 1)
//   self-attentive  A = softmax(W_s2 tanh(W_s1 Hᵀ)), M = A H, c = [M_1; ...; M_r]
//                                                                        Lin et al. 2017
//   key-value       k_j = W_k h_j, v_j = W_v h_j, a = softmax(u_wᵀ tanh(W k_j + b)),
//                   c = Σ_j a_j v_j (hops must be 1)                     Daniluk et al. 2017
// Daniluk et al. give the key and the value separate parts of the RNN output; the halves
// of a bidirectional output are its two directions, so here two projections do the split.
// `penalty` > 0 adds penalty · mean_b ||A Aᵀ - I||²_F to the training loss (Lin et al.
// 2017, §2.2): the hops are pushed to look at different tokens, each at few.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/linear.h"
#include "libattn/nn/stacked_rnn.h"

namespace attn {

enum class PoolingType { kStatic, kSelfAttentive, kKeyValue };
const char* pooling_name(PoolingType type);  // "static" | "self-attentive" | "key-value"

// Lin et al. 2017's penalty, averaged over the batch: a [B, r, S] -> [1].
Var attention_penalty(const Var& a);

struct ClassifierConfig : TableConfig<ClassifierConfig> {
  static constexpr const char* kArchitecture = "classifier";
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;  // 4 specials + the labels
  int64_t embed = 128;    // E
  int64_t hidden = 256;   // H: encoder output width (H/2 a direction)
  int64_t layers = 1;
  CellType cell = CellType::kGru;
  bool bidirectional = true;
  PoolingType pooling = PoolingType::kStatic;
  int64_t hops = 1;              // r
  int64_t attention_size = 128;  // d_a: the width of the scoring layer
  float penalty = 0.0f;          // coefficient of ||A Aᵀ - I||²_F
  float dropout = 0.0f;          // between stacked layers and before the output layer

  // tiny (E 32, H 64, d_a 32) | small (the defaults) | base (E 300, H 600, 2 layers).
  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<ClassifierConfig>& fields();
  void check_relations() const;  // what one field's bounds cannot say
};

class AttentionClassifier : public ConfiguredModel<ClassifierConfig> {
 public:
  AttentionClassifier(const ClassifierConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  // src [B, S], tgt_in [B, T] (<s> label, or <s> alone) -> [B, T, V]; `attention` gets
  // "attention" -> [B, r, S]. Throws InputError when a target is not exactly one label.
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;
  Var extra_loss() const override { return penalty_term_; }

  struct Classification {
    Var logits;   // [B, V]: the label scores
    Var weights;  // [B, r, S]: A
  };
  Classification classify(const Tensor& src, const ForwardMode& mode) const;  // src [B, S]

  // Step 0 gives the label log-probabilities and the attention (averaged over the hops)
  // [rows, S]; every later step the learned end distribution.
  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

 private:
  Var apply_dropout(const Var& x, const ForwardMode& mode) const;

  Var src_embedding_;  // [V_src, E]
  StackedRnn encoder_;
  Linear key_;                // key-value: W_k [H, H]
  Linear value_;              // key-value: W_v [H, H]
  Linear projection_;         // static, key-value: W [d_a, H] + b; self-attentive: W_s1 [d_a, H]
  Linear context_;            // static, key-value: u_w [1, d_a]; self-attentive: W_s2 [r, d_a]
  Linear output_;             // [V, pooled width] + b
  Var end_logits_;            // [V]: every step after the label
  mutable Var penalty_term_;  // the last forward()'s penalty, undefined when penalty is 0
};

}  // namespace attn
