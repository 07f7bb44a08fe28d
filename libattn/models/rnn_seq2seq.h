// RNN encoder-decoder with attention (Bahdanau et al. 2015; Luong et al. 2015).
//
//   RnnConfig config;                       // GRU or LSTM, scorer, scope, bridge, ...
//   config.src_vocab = 8000; config.tgt_vocab = 8000;
//   config.attention = ScorerType::kConcat; config.scope = ScopeType::kLocalP;
//   RnnSeq2Seq model(config, rng);
//   std::map<std::string, Tensor> maps;
//   Var logits = model.forward(src, tgt_in, {true, &rng}, &maps);  // [B, T, V]; maps["attention"]
//   [B, T, S]
//
// Encoder: embeddings -> stacked GRU/LSTM, bidirectional by default with H/2 units per
// direction so the memory is H wide whatever the direction count (as OpenNMT's brnn), and
// every scorer, dot included, compares H-wide vectors. Decoder, one step t:
//   x_t   = [E y_{t-1}; h̃_{t-1}]                  input feeding (Luong §3.3), selectable
//   s_t   = stacked cell(x_t, s_{t-1})             s_0 = tanh(W_b · summary) or zeros
//   a_t   = scope(scorer(s_t, memory))             [B, S]
//   c_t   = a_t · memory                           [B, H]
//   h̃_t  = tanh(W_c [c_t; s_t])                    Luong eq. 5
//   p_t   = softmax(W_s h̃_t + b_s)                 Luong eq. 6
// Training and decoding run the same step function, so teacher-forced logits and the
// log-probabilities of incremental decoding agree (rnn_seq2seq_decoding.cc).
//
// decoder "cgru" is instead the conditional GRU with deep output of Nematus and Marian's s2s
// (Sennrich et al. 2017), over a bidirectional GRU encoder of H units a direction (memory 2H):
//   s'_t  = GRU_1(E y_{t-1}, s_{t-1})             s_0 = tanh(W_b · masked mean of the memory)
//   a_t   = softmax(vᵀ tanh(W1 h_j + W2 s'_t + b)) additive attention at the memory's width
//   c_t   = a_t · memory                          [B, 2H]
//   s_t   = GRU_2(c_t, s'_t)
//   o_t   = tanh(W_y E y_{t-1} + W_s s_t + W_c c_t)  deep output [B, E]
//   p_t   = softmax(W_o o_t + b_o)                W_o = the target embedding when tie_output
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/attention/scopes.h"
#include "libattn/attention/scorers.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/stacked_rnn.h"

namespace attn {

// How the decoder's initial state comes from the encoder.
enum class BridgeType {
  kMean,   // tanh(W · masked mean of the memory)
  kFinal,  // tanh(W · [final forward state; final backward state]) (Bahdanau et al. 2015 use
           // the backward state at the first token, which is the reverse direction's final)
  kZero,   // zeros
};
const char* bridge_name(BridgeType type);  // "mean" | "final" | "zero"

enum class RnnDecoderType { kLuong, kConditionalGru };  // "luong" | "cgru"

struct RnnConfig : TableConfig<RnnConfig> {
  static constexpr const char* kArchitecture = "rnn";
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t embed = 256;   // E
  int64_t hidden = 512;  // H: decoder width and memory width (H/2 a direction)
  int64_t layers = 2;    // encoder and decoder layers each
  CellType cell = CellType::kLstm;
  bool bidirectional = true;
  ScorerType attention = ScorerType::kGeneral;
  ScopeType scope = ScopeType::kGlobal;  // map key "attention_scope" (attn-train's flag)
  int64_t window = 10;                   // D, the local scopes' half-width (Luong et al. use 10)
  bool input_feeding = true;
  BridgeType bridge = BridgeType::kMean;
  float dropout = 0.3f;             // between stacked layers and before the output layer
  int64_t max_source_length = 100;  // positions the location scorer can address
  // Marian's s2s and what imported models need; to_map() writes these keys only when they
  // differ from the defaults, so attn's own files read back unchanged.
  RnnDecoderType decoder = RnnDecoderType::kLuong;
  bool tie_output = false;      // cgru: W_o is the target embedding, plus a bias
  bool source_eos = false;      // every source ends with </s>, as Marian's encoder saw it
  bool output_specials = true;  // false: <pad> and <s> take no probability mass (-inf)

  // tiny (E 32, H 64, 1 layer) | small (the defaults) | base (E 512, H 1000, 4 layers:
  // Luong et al. 2015's stacks). Vocabulary sizes stay 0 for the data to set.
  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<RnnConfig>& fields();
  void check_relations() const;  // what one field's bounds cannot say
};

// The encoder's output as every decoder step reads it.
struct RnnEncoding {
  Var memory;         // [B, S, H]
  Var keys;           // [B, S, K]: the scorer's query-independent half
  SourceMask source;  // padding and lengths
  Var summary;        // [B, H]: the bridge's input (mean or final state); unset for kZero

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

// What the decoder carries from step t to step t + 1.
struct RnnRecurrence {
  std::vector<RecurrentState> layers;  // one per decoder layer, [B, H]
  Var attentional;                     // h̃_{t-1} [B, H], fed back when input_feeding
  ScopeState scope;

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

struct RnnStepOutput {
  Var logits;   // [B, V]
  Var weights;  // [B, S]: a_t
};

class RnnSeq2Seq : public ConfiguredModel<RnnConfig> {
 public:
  RnnSeq2Seq(const RnnConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  // src [B, S], tgt_in [B, T] -> [B, T, V]; `attention` gets "attention" -> [B, T, S].
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;

  // The two halves forward() is made of, shared with incremental decoding.
  RnnEncoding encode_source(const Tensor& src, const ForwardMode& mode) const;  // src [B, S]
  RnnRecurrence initial_recurrence(const RnnEncoding& encoding) const;
  // prev_tokens int32 [B, 1]: y_{t-1} for every row; advances `recurrence` to step t + 1.
  RnnStepOutput decode_step(const Tensor& prev_tokens, const RnnEncoding& encoding,
                            RnnRecurrence& recurrence, const ForwardMode& mode) const;

  // Incremental decoding (rnn_seq2seq_decoding.cc): the state is the encoding plus the
  // recurrence; step() is one decode_step() without gradients.
  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

 private:
  Var apply_dropout(const Var& x, const ForwardMode& mode) const;
  Var output_logits(const Var& hidden, const ForwardMode& mode) const;  // luong: h̃; cgru: o_t

  Var src_embedding_;                   // [V_src, E]
  Var tgt_embedding_;                   // [V_tgt, E]
  StackedRnn encoder_;                  // H/2 (bidirectional) or H units a direction
  Linear bridge_;                       // [layers · H (· 2 for LSTM: h and c), H]
  std::vector<RecurrentCell> decoder_;  // layer 0 reads [E (+ H)], the others H
  Scorer scorer_;
  Scope scope_;
  Linear linear_out_;         // luong: W_c [H, 2H], no bias (Luong eq. 5)
  Linear output_projection_;  // luong: W_s [V, H] + b_s; cgru untied: W_o [V, E] + b_o
  // cgru only:
  RecurrentCell context_cell_;                          // GRU_2: [2H] -> H
  Linear deep_embed_, deep_state_, deep_context_;       // -> E, each with a bias
  Var output_bias_;                                     // b_o [V] when tie_output
  Tensor output_mask_;                                  // [V] when !output_specials
};

}  // namespace attn
