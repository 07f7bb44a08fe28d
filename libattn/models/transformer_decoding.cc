// Transformer incremental decoding: the DecoderModel half of the Transformer class.
// Each step embeds one token per row at position t, appends its keys/values to every
// decoder layer's self-attention cache, and attends over the source keys/values that
// encode() projected once. Nothing of the prefix is recomputed.
#include "libattn/attention/masks.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/transformer.h"

namespace attn {

namespace {

// The source side, projected once: beams trading places within their sentences leave it
// as it is (RowState).
struct TransformerEncoding {
  std::vector<KeyValueCache> memory;  // per decoder layer, [rows, H, S, D/H]
  Tensor mask;                        // [rows, 1, 1, S]

  void reorder(const std::vector<int32_t>& rows) { reorder_rows(rows, memory, mask); }
};

struct TransformerRecurrence {
  std::vector<SelfAttentionCache> self_attention;  // per decoder layer, grows a step at a time
  int64_t position = 0;                            // the same for every row

  void reorder(const std::vector<int32_t>& rows) { reorder_rows(rows, self_attention); }
};

using TransformerDecoderState = RowState<TransformerEncoding, TransformerRecurrence>;

}  // namespace

std::unique_ptr<DecoderState> Transformer::encode(const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const Tensor src = pad_sources(sources);
  const ForwardMode inference;
  Var memory = encode_source(src, inference);
  TransformerEncoding encoding;
  for (const auto& layer : decoder_)
    encoding.memory.push_back(layer.encoder_attn.project_memory(memory));
  encoding.mask = padding_mask(with_source_eos(src), 0).clone_heap();
  TransformerRecurrence recurrence;
  recurrence.self_attention.resize(decoder_.size());
  return make_row_state(std::move(encoding), std::move(recurrence), sources.size());
}

Tensor Transformer::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                         Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<TransformerDecoderState&>(base_state);
  TransformerEncoding& source = state.encoding;
  TransformerRecurrence& target = state.recurrence;
  const ForwardMode inference;
  const Tensor tokens = token_column(prev_tokens, source.mask.dim(0), "Transformer");
  const int64_t rows = tokens.dim(0);
  Var y = embed_target(tokens, target.position, inference);
  Tensor cross_weights;  // [rows, H, 1, S] of the last layer
  for (size_t i = 0; i < decoder_.size(); ++i) {
    const auto& layer = decoder_[i];
    const bool last = i + 1 == decoder_.size();
    y = residual(y, layer.self_attn_layer_norm, inference, [&](const Var& h) {
      return layer.self_attn.forward_step(h, target.self_attention[i]);
    });
    y = residual(y, layer.encoder_attn_layer_norm, inference, [&](const Var& h) {
      return layer.encoder_attn.forward_cached(h, source.memory[i], source.mask,
                                               last && attention ? &cross_weights : nullptr);
    });
    y = residual(y, layer.final_layer_norm, inference,
                 [&](const Var& h) { return layer.ffn.forward(h, 0.0f, inference); });
  }
  if (config_.pre_norm) y = decoder_norm_.forward(y);
  ++target.position;
  if (attention) {
    // The picture of where the model looks: the last layer's cross-attention averaged over
    // heads, as fairseq prints for alignments.
    *attention = mean(Var(cross_weights.view({rows, config_.heads, -1})), 1).value();
  }
  return log_softmax(output_logits(y)).value().view({rows, config_.tgt_vocab});
}

}  // namespace attn
