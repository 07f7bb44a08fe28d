#include "libattn/models/pointer_network.h"

#include <algorithm>
#include <cmath>

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/data/points.h"
#include "libattn/decode/row_state.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/shared_fields.h"

namespace attn {

namespace {

// What a closed position's logit becomes. Not -infinity: the cross-entropy kernel sums every
// logit (for label smoothing), and 0 · -inf is NaN. exp(-1e9 - max) is exactly 0 in float32,
// so a closed position still gets exactly zero probability.
constexpr float kClosed = -1e9f;
constexpr int32_t kFirstPosition = Vocabulary::kSpecials;  // the id of "position 0"

// Removes the positions prev_tokens [B, 1] chose from a copy of mask [B, V].
Tensor without_chosen(const Tensor& mask, const Tensor& prev_tokens) {
  Tensor out = mask.clone();
  const int64_t vocab = mask.dim(1);
  for (int64_t b = 0; b < mask.dim(0); ++b) {
    const int32_t token = prev_tokens.ints()[b];
    if (token >= kFirstPosition) out[b * vocab + token] = kClosed;
  }
  return out;
}

// The probability of pointing at each of the first `length` positions: softmax of logits
// [B, V] read at ids 4 .. 4 + length. [B, length].
Tensor position_probabilities(const Tensor& logits, int64_t length) {
  const int64_t batch = logits.dim(0), vocab = logits.dim(1);
  Tensor out = Tensor::empty_heap({batch, length});
  for (int64_t b = 0; b < batch; ++b) {
    const float* row = logits.data() + b * vocab;
    const float max = *std::max_element(row, row + vocab);
    double total = 0;
    for (int64_t v = 0; v < vocab; ++v) total += std::exp(double(row[v]) - max);
    for (int64_t j = 0; j < length; ++j)
      out[b * length + j] =
          static_cast<float>(std::exp(double(row[kFirstPosition + j]) - max) / total);
  }
  return out;
}

// A target must name a position of its own source; with mask_chosen, each at most once.
void check_targets(const Tensor& tgt_in, const std::vector<int32_t>& lengths, bool mask_chosen,
                   int64_t max_positions) {
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1);
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<bool> seen(lengths[b], false);
    for (int64_t t = 1; t < steps; ++t) {
      const int32_t token = tgt_in.ints()[b * steps + t];
      if (token == Vocabulary::kPad) continue;
      const int64_t position = token - kFirstPosition;
      if (token < kFirstPosition)
        throw InputError(fmt::format(
            "pointer network: a target token is not a source position 0..{} (batch row {}); "
            "targets are 0-based positions of the source's tokens",
            max_positions - 1, b));
      if (position >= lengths[b])
        throw InputError(fmt::format(
            "pointer network: target position {} lies past its source of {} tokens (batch "
            "row {}); targets are 0-based positions",
            position, lengths[b], b));
      if (mask_chosen && seen[position])
        throw InputError(
            fmt::format("pointer network: target points at position {} twice (batch row {}), which "
                        "mask_chosen forbids",
                        position, b));
      seen[position] = true;
    }
  }
}

using PointerDecoderState = RowState<PointerEncoding, PointerRecurrence>;

}  // namespace

const ConfigFields<PointerConfig>& PointerConfig::fields() {
  using C = PointerConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("max_positions", &C::max_positions,
                     "the longest source the model can point into P"),
      positive_field("embed", &C::embed, "embedding width E", {{"tiny", "32"}, {"base", "256"}}),
      positive_field("hidden", &C::hidden, "hidden width H (H/2 a direction when bidirectional)",
                     {{"tiny", "64"}, {"base", "512"}}),
      positive_field("layers", &C::layers, "encoder and decoder layers each", {{"base", "2"}}),
      cell_field(&C::cell),
      bidirectional_field(&C::bidirectional),
      boolean_field("mask_chosen", &C::mask_chosen, "a position is chosen once (permutations)"),
      integer_field("input_dims", &C::input_dims, 0, PointCodec::kMaxDims,
                    "0: source tokens; D: points of D coordinates in [0, 1]"),
      number_field("dropout", &C::dropout, kProbability, "dropout between stacked layers"),
  });
  return table;
}

void PointerConfig::check_relations() const {
  if (tgt_vocab != Vocabulary::kSpecials + max_positions)
    throw InputError(fmt::format(
        "pointer model config: tgt_vocab must be {} (4 specials + max_positions {}), got {}",
        Vocabulary::kSpecials + max_positions, max_positions, tgt_vocab));
  if (bidirectional && hidden % 2 != 0)
    throw InputError(fmt::format(
        "pointer model config: a bidirectional encoder splits hidden {} into two directions; "
        "use an even hidden size",
        hidden));
}

Vocabulary pointer_target_vocabulary(const ConfigMap& config) {
  const int64_t positions =
      std::stoll(config_value(PointerConfig::fields(), config, "max_positions", "pointer"));
  std::vector<std::string> tokens = Vocabulary().tokens();
  for (int64_t j = 0; j < positions; ++j) tokens.push_back(std::to_string(j));
  return Vocabulary::from_tokens(tokens);
}

void set_pointer_target(ModelBundle& bundle, const ConfigMap& config) {
  if (bundle.source.tokenizer.kind() != TokenizerKind::kWords)
    throw InputError(
        "the pointer model reads word tokens (--tokens words): its targets are positions, "
        "whole words, and a model file keeps one tokenizer for both sides");
  bundle.target = {Tokenizer::words(), pointer_target_vocabulary(config)};
}

PointerNetwork::PointerNetwork(const PointerConfig& config, Rng& rng) : ConfiguredModel(config) {
  config.validate();
  const int64_t h = config.hidden;
  // Luong et al. 2015 (§4.1): uniform in [-0.1, 0.1] for the embedding-like vectors.
  auto uniform = [&](const Shape& shape) { return uniform_parameter(shape, 0.1f, rng); };
  if (config.input_dims > 0)
    point_projection_ = Linear(config.input_dims, config.embed, rng);
  else
    src_embedding_ = uniform({config.src_vocab, config.embed});
  start_input_ = uniform({config.embed});
  end_memory_ = uniform({h});
  encoder_ = StackedRnn(config.cell, config.embed, config.bidirectional ? h / 2 : h, config.layers,
                        config.bidirectional, rng);
  const int64_t per_layer = config.cell == CellType::kLstm ? 2 * h : h;
  bridge_ = Linear(h, config.layers * per_layer, rng);
  for (int64_t l = 0; l < config.layers; ++l)
    decoder_.emplace_back(config.cell, l > 0 ? h : config.embed, h, rng);
  pointer_ = Scorer(ScorerType::kConcat, h, 0, rng);
}

PointerEncoding PointerNetwork::encode_source(const Tensor& src, const ForwardMode& mode) const {
  check_source(src, "PointerNetwork");
  const int64_t batch = src.dim(0), h = config_.hidden;
  PointerEncoding encoding;
  encoding.lengths = source_lengths(src);
  const int32_t longest = *std::max_element(encoding.lengths.begin(), encoding.lengths.end());
  if (longest > config_.max_positions)
    throw InputError(
        fmt::format("pointer network: a source of {} tokens, but this model points into at most {} "
                    "(max_positions)",
                    longest, config_.max_positions));
  encoding.inputs =
      config_.input_dims > 0
          ? point_projection_.forward(
                Var(point_coordinates(src, static_cast<int>(config_.input_dims))))
          : embedding(src_embedding_, src);
  const Var memory =
      encoder_.forward(encoding.inputs, encoding.lengths, config_.dropout, mode).outputs;
  // The end slot e joins every row's memory as slot 0: [B, 1, H] by broadcasting.
  const Var end = add(Var(Tensor::zeros({batch, 1, h})), reshape(end_memory_, {1, 1, h}));
  encoding.keys = pointer_.keys(concat({end, memory}, 1));
  encoding.summary = masked_mean(memory, encoding.lengths);
  return encoding;
}

PointerRecurrence PointerNetwork::initial_recurrence(const PointerEncoding& encoding) const {
  const int64_t batch = encoding.inputs.dim(0), h = config_.hidden, vocab = config_.tgt_vocab;
  PointerRecurrence recurrence;
  recurrence.layers =
      split_layer_states(tanh(bridge_.forward(encoding.summary)), config_.cell, config_.layers, h);
  // </s> and the row's own positions are open; the other specials and the positions past
  // the row's length are not.
  recurrence.mask = Tensor::full({batch, vocab}, kClosed);
  for (int64_t b = 0; b < batch; ++b) {
    float* row = recurrence.mask.data() + b * vocab;
    row[Vocabulary::kEos] = 0.0f;
    std::fill(row + kFirstPosition, row + kFirstPosition + encoding.lengths[b], 0.0f);
  }
  return recurrence;
}

Var PointerNetwork::decoder_inputs(const Tensor& tokens, const PointerEncoding& encoding) const {
  const int64_t batch = tokens.dim(0), steps = tokens.dim(1), length = encoding.inputs.dim(1);
  // One-hot rows pick the embedding of the position pointed at (a GEMM, whose backward
  // scatters into the source embeddings); <s> rows take the start vector instead.
  Tensor pick = Tensor::zeros({batch, steps, length});
  Tensor start = Tensor::zeros({batch, steps, 1});
  for (int64_t i = 0; i < batch * steps; ++i) {
    const int32_t token = tokens.ints()[i];
    if (token == Vocabulary::kBos) start[i] = 1.0f;
    const int64_t position = token - kFirstPosition;
    if (position >= 0) {
      ATTN_CHECK(position < length, "PointerNetwork: token {} points past {} source positions",
                 token, length);
      pick[i * length + position] = 1.0f;
    }
  }
  return add(batched_matmul(Var(pick), encoding.inputs), mul(Var(start), start_input_));
}

Var PointerNetwork::decode_step(const Var& x, const Tensor& prev_tokens,
                                const PointerEncoding& encoding, PointerRecurrence& recurrence,
                                const ForwardMode& mode) const {
  const int64_t batch = x.dim(0), length = encoding.inputs.dim(1);
  ATTN_CHECK(prev_tokens.shape() == (Shape{batch, 1}) && batch == encoding.inputs.dim(0),
             "PointerNetwork: previous tokens {} for {} rows", shape_str(prev_tokens.shape()),
             encoding.inputs.dim(0));
  if (config_.mask_chosen) recurrence.mask = without_chosen(recurrence.mask, prev_tokens);
  Var h = x;
  for (size_t l = 0; l < decoder_.size(); ++l) {
    if (l > 0 && mode.training && config_.dropout > 0)
      h = dropout(h, config_.dropout, *mode.rng, true);
    recurrence.layers[l] = decoder_[l].step(decoder_[l].project_input(h), recurrence.layers[l]);
    h = recurrence.layers[l].h;
  }
  const Var scores = pointer_.score(h, encoding.keys);  // [B, 1 + S]: </s>, positions
  // Laid out as the target vocabulary: <pad> <unk> <s> (masked), </s>, positions 0..P-1
  // (those past S masked, and filled with zeros here only to take the mask).
  std::vector<Var> parts = {Var(Tensor::zeros({batch, Vocabulary::kEos})), scores};
  const int64_t past = config_.max_positions - length;
  if (past > 0) parts.push_back(Var(Tensor::zeros({batch, past})));
  return add(concat(parts, -1), Var(recurrence.mask));
}

Var PointerNetwork::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
                            std::map<std::string, Tensor>* attention) const {
  check_target(src, tgt_in, "PointerNetwork");
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1), length = src.dim(1);
  const PointerEncoding encoding = encode_source(src, mode);
  check_targets(tgt_in, encoding.lengths, config_.mask_chosen, config_.max_positions);
  PointerRecurrence recurrence = initial_recurrence(encoding);
  const Var inputs = decoder_inputs(tgt_in, encoding);  // [B, T, E]
  std::vector<Var> logits;
  Tensor maps;
  if (attention) maps = Tensor::empty_heap({batch, steps, length});
  for (int64_t t = 0; t < steps; ++t) {
    Tensor column = Tensor::empty({batch, 1}, DType::kI32);
    for (int64_t b = 0; b < batch; ++b) column.ints()[b] = tgt_in.ints()[b * steps + t];
    const Var x = reshape(slice(inputs, 1, t, t + 1), {batch, config_.embed});
    logits.push_back(decode_step(x, column, encoding, recurrence, mode));
    if (attention)
      maps.slice(1, t, t + 1)
          .copy_from(
              position_probabilities(logits.back().value(), length).view({batch, 1, length}));
  }
  if (attention) (*attention)["attention"] = maps;
  return stack(logits, 1);  // [B, T, V]
}

NamedParameters PointerNetwork::parameters() const {
  NamedParameters out;
  if (config_.input_dims > 0)
    point_projection_.collect_parameters("encoder.embed_points", out);
  else
    out.emplace_back("encoder.embed_tokens.weight", src_embedding_);
  encoder_.collect_parameters("encoder.rnn", out);
  out.emplace_back("decoder.start_input", start_input_);
  bridge_.collect_parameters("decoder.bridge", out);
  for (size_t l = 0; l < decoder_.size(); ++l)
    decoder_[l].collect_parameters("decoder.rnn", "_l" + std::to_string(l), out);
  out.emplace_back("decoder.pointer.end_memory", end_memory_);
  pointer_.collect_parameters("decoder.pointer", out);
  return out;
}

// Incremental decoding: encode() keeps the source embeddings, the pointer keys and the
// initial state on the heap; each step() is one decode_step() without gradients.

std::unique_ptr<DecoderState> PointerNetwork::encode(
    const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  const Tensor src = pad_sources(sources);
  PointerEncoding encoding = encode_source(src, ForwardMode{});
  PointerRecurrence recurrence = initial_recurrence(encoding);
  encoding.summary = Var();  // decoding reads no summary: the initial state has used it
  keep_on_heap(recurrence.layers, recurrence.mask, encoding.inputs, encoding.keys);
  return make_row_state(std::move(encoding), std::move(recurrence), sources.size());
}

Tensor PointerNetwork::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                            Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<PointerDecoderState&>(base_state);
  const Tensor tokens = token_column(prev_tokens, state.encoding.inputs.dim(0), "PointerNetwork");
  const int64_t rows = tokens.dim(0);
  const Var x = reshape(decoder_inputs(tokens, state.encoding), {rows, config_.embed});
  const Var logits = decode_step(x, tokens, state.encoding, state.recurrence, ForwardMode{});
  keep_on_heap(state.recurrence.layers, state.recurrence.mask);
  if (attention) *attention = position_probabilities(logits.value(), state.encoding.inputs.dim(1));
  // Closed positions leave the search as -inf, not -1e9: a beam wider than the positions
  // still open must not fill up with impossible pointers (beam_search drops -inf).
  Tensor log_probs = log_softmax(logits).value().contiguous();
  const Tensor& mask = state.recurrence.mask;
  for (int64_t i = 0; i < log_probs.numel(); ++i)
    if (mask[i] == kClosed) log_probs[i] = -INFINITY;
  return log_probs;
}

// Beams trading places within their sentences leave the source embeddings and keys as they
// are (RowState).
void PointerEncoding::reorder(const std::vector<int32_t>& rows) {
  reorder_rows(rows, inputs, keys, summary, lengths);
}

void PointerRecurrence::reorder(const std::vector<int32_t>& rows) {
  reorder_rows(rows, layers, mask);
}

}  // namespace attn
