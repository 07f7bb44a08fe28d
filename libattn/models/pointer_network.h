// Pointer network (Vinyals et al. 2015): an encoder-decoder whose output vocabulary is the
// positions of its own input, so it can sort, pick convex hulls or tours of inputs of any
// length up to max_positions.
//
//   PointerConfig config = PointerConfig::preset("small");
//   config.src_vocab = 104; config.max_positions = 20;
//   config.tgt_vocab = pointer_target_vocabulary(config.to_map()).size();  // 4 + 20
//   PointerNetwork model(config, rng);
//   Var logits = model.forward(src, tgt_in, {true, &rng});  // [B, T, 4 + P]
//   auto hyps = beam_search(model, {{7, 5, 9}}, options);   // tokens 4 + j: "position j"
//
// Output ids: 3 (</s>) ends the output and 4 + j points at source token j; the target
// vocabulary spells them "0", "1", ..., "P-1", so attn-decode prints positions. <pad>,
// <unk>, <s>, positions past a row's length and, with mask_chosen, positions already chosen
// get a logit of -1e9: exactly zero probability, in training and in search alike. So
// training needs label smoothing 0 (smoothing toward an impossible position would dominate
// the loss).
//
// Encoder: embeddings (each source token, e.g. a number, is one vocabulary entry; or, with
// input_dims D > 0, a projection of the D coordinates of a point) -> stacked GRU/LSTM,
// bidirectional with H/2 units a direction, memory m [B, S, H].
// Decoder, one step t (Vinyals et al. 2015, §2.3):
//   x_t = E src[y_{t-1}]        the embedding of the element pointed at last; a learned
//                               start vector when y_{t-1} is <s>
//   s_t = stacked cell(x_t, s_{t-1})                 s_0 = tanh(W_b · masked mean of m)
//   u_t = [vᵀ tanh(W1 e + W2 s_t); vᵀ tanh(W1 m_j + W2 s_t), j < S]      eq. 3
//   p_t = softmax(u_t + mask)                        the attention itself is the output;
//                                                    no context vector is mixed in
// e is a learned end-of-output memory slot, so stopping is one more pointer.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/attention/scorers.h"
#include "libattn/data/vocab.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/stacked_rnn.h"

namespace attn {

struct ModelBundle;

struct PointerConfig : TableConfig<PointerConfig> {
  static constexpr const char* kArchitecture = "pointer";
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;        // must be Vocabulary::kSpecials + max_positions
  int64_t max_positions = 100;  // P: the longest source the model can point into
  int64_t embed = 128;          // E
  int64_t hidden = 256;         // H: decoder width and memory width (H/2 a direction)
  int64_t layers = 1;           // encoder and decoder layers each
  CellType cell = CellType::kLstm;
  bool bidirectional = true;
  bool mask_chosen = false;  // a position once chosen cannot be chosen again (permutations)
  // 0: each source token is a vocabulary entry with a learned embedding. D in 1..4: each is
  // a point of D coordinates in [0, 1] ("0.25,0.75", libattn/data/points.h), embedded by a
  // learned projection W_p x + b_p, as Vinyals et al. feed the planar points of their convex
  // hull and TSP tasks; src_vocab is then the 4 specials.
  int64_t input_dims = 0;
  float dropout = 0.0f;      // between stacked layers

  // tiny (E 32, H 64) | small (the defaults) | base (E 256, H 512, 2 layers).
  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<PointerConfig>& fields();
  void check_relations() const;  // what one field's bounds cannot say
};

// The target side of a pointer model: the 4 specials, then "0", "1", ..., "P-1" (P from
// the config's max_positions), so output id 4 + j reads as position j.
Vocabulary pointer_target_vocabulary(const ConfigMap& config);

// Gives a freshly built bundle (source side from the data) the pointer model's target
// side: word tokens and pointer_target_vocabulary. Positions are whole words, and the
// model file keeps one tokenizer for both sides, so the source must be word-tokenized too
// (InputError otherwise).
void set_pointer_target(ModelBundle& bundle, const ConfigMap& config);

// The encoder's output as every decoder step reads it.
struct PointerEncoding {
  Var inputs;                    // [B, S, E]: source embeddings, the decoder's inputs
  Var keys;                      // [B, 1 + S, H]: W1 [e; m], end slot first
  Var summary;                   // [B, H]: masked mean of the memory
  std::vector<int32_t> lengths;  // [B]

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

// What the decoder carries from step t to step t + 1.
struct PointerRecurrence {
  std::vector<RecurrentState> layers;  // one per decoder layer, [B, H]
  Tensor mask;                         // [B, V]: 0 where the next step may point, else -1e9

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

class PointerNetwork : public ConfiguredModel<PointerConfig> {
 public:
  PointerNetwork(const PointerConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  // src [B, S], tgt_in [B, T] -> [B, T, V]; `attention` gets "attention" -> [B, T, S], the
  // probability of pointing at each position. Throws InputError when a target is not a
  // position of its source (or, with mask_chosen, repeats one).
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;

  // The pieces forward() is made of, shared with incremental decoding.
  PointerEncoding encode_source(const Tensor& src, const ForwardMode& mode) const;  // [B, S]
  PointerRecurrence initial_recurrence(const PointerEncoding& encoding) const;
  // tokens int32 [B, T] (<s> or 4 + j) -> the decoder inputs x [B, T, E].
  Var decoder_inputs(const Tensor& tokens, const PointerEncoding& encoding) const;
  // x [B, E]: step t's input, read after y_{t-1} = prev_tokens [B, 1] (which mask_chosen
  // then removes); returns the logits [B, V] and advances `recurrence`.
  Var decode_step(const Var& x, const Tensor& prev_tokens, const PointerEncoding& encoding,
                  PointerRecurrence& recurrence, const ForwardMode& mode) const;

  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

 private:
  Var src_embedding_;                   // [V_src, E]; undefined with input_dims > 0
  Linear point_projection_;             // [D, E]: with input_dims > 0 only
  Var start_input_;                     // [E]: x_0
  Var end_memory_;                      // [H]: e, the end-of-output slot
  StackedRnn encoder_;                  // H/2 (bidirectional) or H units a direction
  Linear bridge_;                       // [layers · H (· 2 for LSTM: h and c), H]
  std::vector<RecurrentCell> decoder_;  // layer 0 reads E, the others H
  Scorer pointer_;                      // additive: W1 [H, H], W2 [H, H] + b, v [1, H]
};

}  // namespace attn
