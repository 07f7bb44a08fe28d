#include "libattn/models/attention_classifier.h"

#include <algorithm>
#include <limits>

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/data/vocab.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/shared_fields.h"

namespace attn {

namespace {

// A target is one label: <s> label (then padding) in tgt_in.
void check_targets(const Tensor& tgt_in) {
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t tokens = 0;
    for (int64_t t = 1; t < steps; ++t) tokens += tgt_in.ints()[b * steps + t] != Vocabulary::kPad;
    if (steps > 1 && tokens != 1)
      throw InputError(fmt::format(
          "classifier: a target is one label (one word-token), got {} tokens (batch row {})",
          tokens, b));
  }
}

// What encode() computed for each sentence; every later step reads end_log_probs.
struct ClassifierEncoding {
  Tensor label_log_probs;  // [rows, V]
  Tensor end_log_probs;    // [1, V]
  Tensor weights;          // [rows, S]: A averaged over the hops

  void reorder(const std::vector<int32_t>& rows) { reorder_rows(rows, label_log_probs, weights); }
};

using ClassifierState = RowState<ClassifierEncoding, NoRows>;


const EnumNames<PoolingType> kPoolingNames = {{PoolingType::kStatic, "static"},
                                              {PoolingType::kSelfAttentive, "self-attentive"},
                                              {PoolingType::kKeyValue, "key-value"}};
}  // namespace

const char* pooling_name(PoolingType type) { return enum_name(kPoolingNames, type); }

Var attention_penalty(const Var& a) {
  const int64_t batch = a.dim(0), hops = a.dim(1);
  Tensor identity = Tensor::zeros({hops, hops});
  for (int64_t i = 0; i < hops; ++i) identity[i * hops + i] = 1.0f;
  const Var difference = sub(batched_matmul(a, a, false, true), Var(identity));  // [B, r, r]
  return scale(sum(mul(difference, difference)), 1.0f / static_cast<float>(batch));
}

const ConfigFields<ClassifierConfig>& ClassifierConfig::fields() {
  using C = ClassifierConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("embed", &C::embed, "embedding width E", {{"tiny", "32"}, {"base", "300"}}),
      positive_field("hidden", &C::hidden,
                     "encoder output width H (H/2 a direction when bidirectional)",
                     {{"tiny", "64"}, {"base", "600"}}),
      positive_field("layers", &C::layers, "encoder layers", {{"base", "2"}}),
      cell_field(&C::cell, {CellType::kGru, CellType::kLstm}),
      bidirectional_field(&C::bidirectional),
      choice_field("pooling", &C::pooling, kPoolingNames,
                   "how the encoder states become one vector"),
      positive_field("hops", &C::hops, "attention hops r (self-attentive pooling only)"),
      positive_field("attention_size", &C::attention_size, "width d_a of the scoring layer",
                     {{"tiny", "32"}}),
      number_field("penalty", &C::penalty, kNonNegative, "coefficient of ||A A^T - I||^2_F"),
      number_field("dropout", &C::dropout, kProbability,
                   "dropout between layers and before the output"),
  });
  return table;
}

void ClassifierConfig::check_relations() const {
  if (pooling != PoolingType::kSelfAttentive && hops != 1)
    throw InputError(fmt::format(
        "classifier model config: {} pooling attends once (hops 1), got hops {}; several hops "
        "are self-attentive pooling",
        pooling_name(pooling), hops));
  if (bidirectional && hidden % 2 != 0)
    throw InputError(
        fmt::format("classifier model config: a bidirectional encoder splits hidden {} into two "
                    "directions; use an even hidden size",
                    hidden));
}

AttentionClassifier::AttentionClassifier(const ClassifierConfig& config, Rng& rng)
    : ConfiguredModel(config) {
  config.validate();
  const int64_t h = config.hidden, d_a = config.attention_size;
  src_embedding_ = uniform_parameter({config.src_vocab, config.embed}, 0.1f, rng);
  encoder_ = StackedRnn(config.cell, config.embed, config.bidirectional ? h / 2 : h, config.layers,
                        config.bidirectional, rng);
  int64_t pooled = h;
  switch (config.pooling) {
    case PoolingType::kStatic:
      projection_ = Linear(h, d_a, rng);
      context_ = Linear(d_a, 1, rng, false);
      break;
    case PoolingType::kSelfAttentive:  // Lin et al. 2017 use no biases here
      projection_ = Linear(h, d_a, rng, false);
      context_ = Linear(d_a, config.hops, rng, false);
      pooled = config.hops * h;
      break;
    case PoolingType::kKeyValue:
      key_ = Linear(h, h, rng, false);
      value_ = Linear(h, h, rng, false);
      projection_ = Linear(h, d_a, rng);
      context_ = Linear(d_a, 1, rng, false);
      break;
  }
  output_ = Linear(pooled, config.tgt_vocab, rng);
  // The step after the label always ends: start the end distribution there (</s> at
  // e^10 : 1 against every other entry) instead of spending training steps learning it.
  Tensor end = Tensor::zeros_heap({config.tgt_vocab});
  end[Vocabulary::kEos] = 10.0f;
  end_logits_ = Var::parameter(end);
}

Var AttentionClassifier::apply_dropout(const Var& x, const ForwardMode& mode) const {
  if (!mode.training || config_.dropout <= 0) return x;
  return dropout(x, config_.dropout, *mode.rng, true);
}

AttentionClassifier::Classification AttentionClassifier::classify(const Tensor& src,
                                                                  const ForwardMode& mode) const {
  check_source(src, "AttentionClassifier");
  const int64_t batch = src.dim(0), length = src.dim(1), h = config_.hidden;
  const std::vector<int32_t> lengths = source_lengths(src);
  const Var states =
      encoder_.forward(embedding(src_embedding_, src), lengths, config_.dropout, mode).outputs;
  Tensor mask = Tensor::zeros({batch, 1, length});  // padding gets no weight
  for (int64_t b = 0; b < batch; ++b)
    std::fill(mask.data() + b * length + lengths[b], mask.data() + (b + 1) * length,
              -std::numeric_limits<float>::infinity());
  const Var keys = config_.pooling == PoolingType::kKeyValue ? key_.forward(states) : states;
  const Var values = config_.pooling == PoolingType::kKeyValue ? value_.forward(states) : states;
  // [B, S, r] scores of every token for every hop, then A [B, r, S].
  const Var scores = context_.forward(tanh(projection_.forward(keys)));
  const Var weights = masked_softmax(transpose(scores, 1, 2), mask);
  const Var pooled = reshape(batched_matmul(weights, values), {batch, config_.hops * h});
  return {output_.forward(apply_dropout(pooled, mode)), weights};
}

Var AttentionClassifier::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
                                 std::map<std::string, Tensor>* attention) const {
  check_target(src, tgt_in, "AttentionClassifier");
  check_targets(tgt_in);
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1), vocab = config_.tgt_vocab;
  const Classification out = classify(src, mode);
  penalty_term_ =
      config_.penalty > 0 ? scale(attention_penalty(out.weights), config_.penalty) : Var();
  if (attention) (*attention)["attention"] = out.weights.value().clone_heap();
  const Var first = reshape(out.logits, {batch, 1, vocab});
  if (steps == 1) return first;
  // Every step after the label reads the same learned end distribution.
  const Var later = add(Var(Tensor::zeros({batch, steps - 1, vocab})), end_logits_);
  return concat({first, later}, 1);
}

NamedParameters AttentionClassifier::parameters() const {
  NamedParameters out;
  out.emplace_back("encoder.embed_tokens.weight", src_embedding_);
  encoder_.collect_parameters("encoder.rnn", out);
  if (config_.pooling == PoolingType::kKeyValue) {
    key_.collect_parameters("pooling.key", out);
    value_.collect_parameters("pooling.value", out);
  }
  projection_.collect_parameters("pooling.projection", out);
  context_.collect_parameters("pooling.context", out);
  output_.collect_parameters("classifier.output", out);
  out.emplace_back("classifier.end_logits", end_logits_);
  return out;
}

// Decoding: encode() classifies once; step() hands out the stored label distribution to rows
// that have read only <s>, the end distribution to the others.

std::unique_ptr<DecoderState> AttentionClassifier::encode(
    const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const Tensor src = pad_sources(sources);
  const Classification out = classify(src, ForwardMode{});
  ClassifierEncoding encoding;
  encoding.label_log_probs = log_softmax(out.logits).value().clone_heap();
  encoding.end_log_probs =
      log_softmax(reshape(end_logits_, {1, config_.tgt_vocab})).value().clone_heap();
  encoding.weights = mean(out.weights, 1).value().clone_heap();
  return make_row_state(std::move(encoding), NoRows{}, sources.size());
}

Tensor AttentionClassifier::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                                 Tensor* attention) {
  const ClassifierEncoding& state = static_cast<ClassifierState&>(base_state).encoding;
  const int64_t rows = static_cast<int64_t>(prev_tokens.size()), vocab = config_.tgt_vocab;
  ATTN_CHECK(rows == state.label_log_probs.dim(0),
             "AttentionClassifier::step: {} tokens for {} rows", rows,
             state.label_log_probs.dim(0));
  Tensor out = Tensor::empty_heap({rows, vocab});
  for (int64_t r = 0; r < rows; ++r) {
    const Tensor& from = prev_tokens[r] == Vocabulary::kBos
                             ? state.label_log_probs.slice(0, r, r + 1)
                             : state.end_log_probs;
    out.slice(0, r, r + 1).copy_from(from);
  }
  if (attention) *attention = state.weights.clone_heap();
  return out;
}

}  // namespace attn
