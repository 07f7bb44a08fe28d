// Transformer incremental decoding: the DecoderModel half of the Transformer class.
// Each step embeds one token per row at position t, appends its keys/values to every
// decoder layer's self-attention cache, and attends over the source keys/values that
// encode() projected once. Nothing of the prefix is recomputed.
#include "libattn/attention/masks.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/autograd/matmul.h"
#include "libattn/kernels/softmax.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/transformer.h"

namespace attn {

namespace {

// The source side, projected once: beams trading places within their sentences leave it
// as it is (RowState).
struct TransformerEncoding {
  std::vector<KeyValueCache> memory;  // per decoder layer, [sentences, H, S, D/H]
  Tensor mask;                        // [sentences, 1, 1, S]

  // The source K/V and mask stay one per sentence even when the row layout changes: each row
  // reads its sentence's (RowState's rows.sentence), instead of beam-many gathered copies
  // (reading those was 4.7% of opus-mt beam 5 x 32).
  void reorder(const std::vector<int32_t>&) {}
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
  const Tensor tokens =
      token_column(prev_tokens, static_cast<int64_t>(state.rows.sentence.size()), "Transformer");
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
                                               last && attention ? &cross_weights : nullptr,
                                               &state.rows.sentence);
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
  return output_log_probs(y).view({rows, config_.tgt_vocab});
}

// log_softmax(output_logits(hidden)) for decoding, in place on the product: the output bias
// and the <pad>/<s> mask, folded into one [V] row (x + (b + m) equals (x + b) + m, m being 0
// or -inf), are added and the log-softmax taken one row at a time while it is in cache. The
// same floats as the training graph's ops, without their three [rows, V] temporaries, each
// a pass over memory and fresh pages (measured: add + log_softmax 5.3% of beam 5 x 32 at
// vocabulary 32,000).
Tensor Transformer::output_log_probs(const Var& hidden) const {
  Tensor logits = (config_.tie_output ? matmul(hidden, tgt_embedding_, false, true)
                                      : output_projection_.forward(hidden))
                      .value()
                      .contiguous();
  const int64_t vocab = config_.tgt_vocab;
  std::vector<float> bias;
  if (config_.output_bias || !config_.output_specials) {
    bias.assign(static_cast<size_t>(vocab), 0.0f);
    if (config_.output_bias) {
      const Tensor b = output_bias_.value().contiguous();
      std::copy(b.data(), b.data() + vocab, bias.begin());
    }
    if (!config_.output_specials) {
      const float* mask = output_mask_.data();
      for (int64_t v = 0; v < vocab; ++v) bias[v] = bias[v] + mask[v];
    }
  }
  bias_log_softmax_rows_inplace(logits.data(), bias.empty() ? nullptr : bias.data(),
                                logits.numel() / vocab, vocab);
  return logits;
}

}  // namespace attn
