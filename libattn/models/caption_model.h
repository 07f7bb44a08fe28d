// Captioning with visual attention over a grid of feature vectors (Xu et al. 2015, "Show,
// attend and tell"): the decoder's soft (or hard) attention ranges over grid positions.
//
//   CaptionConfig config;                  // K features a cell, E, H, scorer, scope, ...
//   config.src_vocab = 16; config.tgt_vocab = 30; config.cell_features = 2;
//   CaptionModel model(config, rng);
//   std::map<std::string, Tensor> maps;
//   Var logits = model.forward(src, tgt_in, {true, &rng}, &maps);  // [B, T, V]
//   Tensor cells = maps["cell_attention"];                           // [B, T, N]: α_ti
//
// Input. A source line is the grid, row-major, one cell after another, every cell exactly
// K = cell_features tokens: the names of its binary features ("red square _ _ blue circle
// ..."). The source vocabulary is the feature alphabet, so a cell is a multi-hot vector x_i
// over it, and the learned projection a_i = W x_i + p_i (W [H, V_src], p_i a learned
// vector for grid position i < max_positions) is a sum of K embedding rows: the linear
// layer Xu et al. put on their CNN's features, written as the word-pipeline sees it. The
// grid's N = S / K cells are the memory [B, N, H]; rows of a batch with fewer cells are
// padded with whole cells of <pad>.
//
// Real-valued features (input_dims D in 1..4, attn-train --input-dims D): every source token
// is instead a vector of D numbers in [0, 1], "0.91,0.12,0.08" (libattn/data/points.h: the
// id carries the quantized numbers, so data, search and file need nothing new). A cell is
// then its K tokens' K·D numbers x_i = [x_i1; ...; x_iK], and a_i = W_f x_i + b_f + p_i
// (W_f [H, K·D], "encoder.embed_vectors"): the linear layer on precomputed features, as Xu
// et al. put on their CNN's. src_vocab is then the 4 specials, and there is no feature table.
//
// Decoder (Xu et al. 2015 §3.1.2), one step t, with y_{t-1} the previous word:
//   h_0, c_0 = tanh(W_init · mean_i a_i)           the paper's init MLPs, one linear layer
//   α_t = scope(scorer(h_{t-1}, a))                [B, N], additive scorer by default (f_att)
//   z_t = Σ_i α_ti a_i                             [B, H], the context vector
//   h_t = cell([E y_{t-1}; z_t], h_{t-1})          LSTM by default (eq. 1-3)
//   p_t = softmax(L_o(E y_{t-1} + L_h h_t + L_z z_t))   the deep output layer, eq. 7
// Attending from h_{t-1}, before the cell, is the paper's order: the word at t is read from
// where the model looks at t. `penalty` λ > 0 adds the doubly stochastic regulariser
// λ · mean_b Σ_i (1 - Σ_t α_ti)² (eq. 14), which pushes every cell to be looked at about
// once over the caption. Hard attention is the `hard` scope (scopes.h: straight-through
// Gumbel-softmax, where Xu et al. use REINFORCE).
//
// Attention maps for the tools ("attention" from forward(), step()'s attention, so
// attn-decode's --alignment and --attention-map) are over source tokens, as every model
// reports them: α_ti is spread evenly over cell i's K tokens, so a cell's tokens sum to
// its weight. "cell_attention" in forward() keeps α as [B, T, N].
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/attention/scopes.h"
#include "libattn/attention/scorers.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/recurrent_cell.h"

namespace attn {

struct CaptionConfig : TableConfig<CaptionConfig> {
  static constexpr const char* kArchitecture = "caption";
  int64_t src_vocab = 0;  // the feature alphabet, specials included
  int64_t tgt_vocab = 0;
  int64_t cell_features = 2;   // K: feature tokens per grid cell
  // 0: every source token names a binary feature (a vocabulary entry). D in 1..4: every
  // source token is a vector of D numbers in [0, 1], read through W_f (see above).
  int64_t input_dims = 0;
  int64_t max_positions = 64;  // grid cells the position vectors cover (N at most)
  int64_t embed = 128;         // E: word embedding and deep-output width
  int64_t hidden = 256;        // H: annotation a_i, context z_t and decoder state width
  CellType cell = CellType::kLstm;
  ScorerType attention = ScorerType::kConcat;
  ScopeType scope = ScopeType::kGlobal;  // map key "attention_scope" (attn-train's flag)
  int64_t window = 2;                    // D, the local scopes' half-width in cells
  float penalty = 0.0f;                  // λ of the doubly stochastic regulariser
  float dropout = 0.1f;                  // before the output layer L_o

  // tiny (E 32, H 64) | small (the defaults) | base (E 256, H 512). Vocabulary sizes stay 0
  // for the data to set.
  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<CaptionConfig>& fields();
};

// The grid as every decoder step reads it.
struct CaptionEncoding {
  Var memory;        // [B, N, H]: the annotations a_i
  Var keys;          // [B, N, K']: the scorer's query-independent half
  SourceMask cells;  // padding and lengths, in cells

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

// What the decoder carries from step t to step t + 1.
struct CaptionRecurrence {
  RecurrentState state;  // h_{t-1} (and c_{t-1}) [B, H]
  ScopeState scope;

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

struct CaptionStepOutput {
  Var logits;   // [B, V]
  Var weights;  // [B, N]: α_t
};

class CaptionModel : public ConfiguredModel<CaptionConfig> {
 public:
  CaptionModel(const CaptionConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  // src [B, N·K] feature tokens (or vector ids), tgt_in [B, T] -> [B, T, V]; `attention` gets "attention"
  // [B, T, N·K] (spread over tokens) and "cell_attention" [B, T, N].
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;
  // λ · the doubly stochastic regulariser of the last training forward(); unset when λ = 0.
  Var extra_loss() const override { return extra_loss_; }

  // The halves forward() is made of, shared with incremental decoding. The encoder is a
  // linear projection, the same in training and at inference.
  CaptionEncoding encode_grid(const Tensor& src) const;  // src [B, N·K]
  CaptionRecurrence initial_recurrence(const CaptionEncoding& encoding) const;
  // prev_tokens int32 [B, 1]; advances `recurrence` to step t + 1.
  CaptionStepOutput decode_step(const Tensor& prev_tokens, const CaptionEncoding& encoding,
                                CaptionRecurrence& recurrence, const ForwardMode& mode) const;

  // Incremental decoding: the state is the encoding plus the recurrence.
  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

 private:
  Var feature_embedding_;   // W as rows [V_src, H]; undefined with input_dims > 0
  Linear vector_projection_;  // W_f [H, K·D] + b_f: with input_dims > 0 only
  Var position_embedding_;  // p [max_positions, H]
  Var word_embedding_;      // E [V_tgt, E]
  Linear init_state_;       // W_init [H or 2H (LSTM: h and c), H]
  RecurrentCell decoder_;   // input [E + H]
  Scorer scorer_;
  Scope scope_;
  Linear hidden_out_;   // L_h [E, H]
  Linear context_out_;  // L_z [E, H]
  Linear output_;       // L_o [V, E] + bias
  mutable Var extra_loss_;
};

}  // namespace attn
