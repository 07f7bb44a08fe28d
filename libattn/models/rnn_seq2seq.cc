#include "libattn/models/rnn_seq2seq.h"

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"
#include "libattn/decode/source_batch.h"
#include "libattn/models/shared_fields.h"
#include "libattn/models/special_tokens.h"

namespace attn {

namespace {
const EnumNames<BridgeType> kBridgeNames = {
    {BridgeType::kMean, "mean"}, {BridgeType::kFinal, "final"}, {BridgeType::kZero, "zero"}};
const EnumNames<RnnDecoderType> kDecoderNames = {{RnnDecoderType::kLuong, "luong"},
                                                 {RnnDecoderType::kConditionalGru, "cgru"}};
}  // namespace

const char* bridge_name(BridgeType type) { return enum_name(kBridgeNames, type); }

const ConfigFields<RnnConfig>& RnnConfig::fields() {
  using C = RnnConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("embed", &C::embed, "embedding width E", {{"tiny", "32"}, {"base", "512"}}),
      positive_field("hidden", &C::hidden, "hidden width H (H/2 a direction when bidirectional)",
                     {{"tiny", "64"}, {"base", "1000"}}),
      positive_field("layers", &C::layers, "encoder and decoder layers each",
                     {{"tiny", "1"}, {"base", "4"}}),
      cell_field(&C::cell),
      bidirectional_field(&C::bidirectional),
      scorer_field(&C::attention, "attention score (Luong et al. 2015; additive = concat)"),
      scope_field(&C::scope, "which source positions each step attends to"),
      positive_field("window", &C::window, "local scopes' half-width D"),
      boolean_field("input_feeding", &C::input_feeding, "feed the attentional state back"),
      choice_field("bridge", &C::bridge, kBridgeNames,
                   "the decoder's initial state from the encoder"),
      number_field("dropout", &C::dropout, kProbability,
                   "dropout between layers and before the output"),
      positive_field("max_source_length", &C::max_source_length,
                     "source positions the location scorer can address"),
      omitted_at_default(choice_field("decoder", &C::decoder, kDecoderNames,
                                      "luong, or cgru (Nematus/Marian s2s conditional GRU)")),
      omitted_at_default(
          boolean_field("tie_output", &C::tie_output, "cgru: output layer = target embedding")),
      source_eos_field(&C::source_eos),
      output_specials_field(&C::output_specials),
  });
  return table;
}

void RnnConfig::check_relations() const {
  if (bidirectional && hidden % 2 != 0 && decoder == RnnDecoderType::kLuong)
    throw InputError(fmt::format(
        "rnn model config: a bidirectional encoder splits hidden {} into two directions; use an "
        "even hidden size",
        hidden));
  if (decoder == RnnDecoderType::kConditionalGru &&
      (cell != CellType::kGru || !bidirectional || layers != 1 ||
       attention != ScorerType::kConcat || scope != ScopeType::kGlobal || input_feeding ||
       bridge != BridgeType::kMean))
    throw InputError(
        "rnn model config: the cgru decoder (Marian's s2s) is built for one bidirectional GRU "
        "layer, concat attention with global scope, the mean bridge and no input feeding");
  if (tie_output && decoder != RnnDecoderType::kConditionalGru)
    throw InputError("rnn model config: tie_output needs the cgru decoder's deep output");
}

RnnSeq2Seq::RnnSeq2Seq(const RnnConfig& config, Rng& rng) : ConfiguredModel(config) {
  config.validate();
  const int64_t h = config.hidden;
  src_embedding_ = uniform_parameter({config.src_vocab, config.embed}, 0.1f, rng);
  tgt_embedding_ = uniform_parameter({config.tgt_vocab, config.embed}, 0.1f, rng);
  const bool cgru = config.decoder == RnnDecoderType::kConditionalGru;
  encoder_ = StackedRnn(config.cell, config.embed, config.bidirectional && !cgru ? h / 2 : h,
                        config.layers, config.bidirectional, rng);
  const int64_t memory = encoder_.output_size();  // H, or 2H for cgru
  if (config.bridge != BridgeType::kZero) {
    const int64_t per_layer = config.cell == CellType::kLstm ? 2 * h : h;
    bridge_ = Linear(memory, config.layers * per_layer, rng);
  }
  for (int64_t l = 0; l < config.layers; ++l) {
    const int64_t in = l > 0 ? h : config.embed + (config.input_feeding ? h : 0);
    decoder_.emplace_back(config.cell, in, h, rng);
  }
  scorer_ = Scorer(config.attention, h, config.max_source_length, rng, memory);
  scope_ = Scope(config.scope, h, config.window, rng);
  if (cgru) {
    const int64_t e = config.embed;
    context_cell_ = RecurrentCell(CellType::kGru, memory, h, rng);
    deep_embed_ = Linear(e, e, rng);
    deep_state_ = Linear(h, e, rng);
    deep_context_ = Linear(memory, e, rng);
    if (config.tie_output)
      output_bias_ = Var::parameter(Tensor::zeros_heap({config.tgt_vocab}));
    else
      output_projection_ = Linear(e, config.tgt_vocab, rng);
  } else {
    linear_out_ = Linear(2 * h, h, rng, false);
    output_projection_ = Linear(h, config.tgt_vocab, rng);
  }
  if (!config.output_specials) output_mask_ = no_pad_bos_mask(config.tgt_vocab);
}

Var RnnSeq2Seq::output_logits(const Var& hidden, const ForwardMode& mode) const {
  Var logits = config_.tie_output
                   ? add(matmul(hidden, tgt_embedding_, false, true), output_bias_)
                   : output_projection_.forward(apply_dropout(hidden, mode));
  if (!config_.output_specials) logits = add(logits, Var(output_mask_));
  return logits;
}

Var RnnSeq2Seq::apply_dropout(const Var& x, const ForwardMode& mode) const {
  if (!mode.training || config_.dropout <= 0) return x;
  return dropout(x, config_.dropout, *mode.rng, true);
}

RnnEncoding RnnSeq2Seq::encode_source(const Tensor& source, const ForwardMode& mode) const {
  check_source(source, "RnnSeq2Seq");
  const Tensor src = config_.source_eos ? with_source_eos(source) : source;
  const int64_t length = src.dim(1);
  const std::vector<int32_t> lengths = source_lengths(src);
  const StackedRnnOutput encoded =
      encoder_.forward(embedding(src_embedding_, src), lengths, config_.dropout, mode);
  RnnEncoding encoding;
  encoding.memory = encoded.outputs;
  encoding.keys = scorer_.keys(encoded.outputs);
  encoding.source = SourceMask::from_lengths(lengths, length);
  if (config_.bridge == BridgeType::kMean) {
    encoding.summary = masked_mean(encoded.outputs, lengths);
  } else if (config_.bridge == BridgeType::kFinal) {
    const size_t top = encoded.final_states.size() - (encoder_.bidirectional() ? 2 : 1);
    encoding.summary =
        encoder_.bidirectional()
            ? concat({encoded.final_states[top].h, encoded.final_states[top + 1].h}, -1)
            : encoded.final_states[top].h;
  }
  return encoding;
}

RnnRecurrence RnnSeq2Seq::initial_recurrence(const RnnEncoding& encoding) const {
  const int64_t batch = encoding.memory.dim(0), h = config_.hidden;
  RnnRecurrence recurrence;
  recurrence.attentional = Var(Tensor::zeros({batch, h}));
  if (config_.bridge == BridgeType::kZero) {
    for (const auto& cell : decoder_) recurrence.layers.push_back(cell.zero_state(batch));
    return recurrence;
  }
  recurrence.layers =
      split_layer_states(tanh(bridge_.forward(encoding.summary)), config_.cell, config_.layers, h);
  return recurrence;
}

RnnStepOutput RnnSeq2Seq::decode_step(const Tensor& prev_tokens, const RnnEncoding& encoding,
                                      RnnRecurrence& recurrence, const ForwardMode& mode) const {
  const int64_t batch = prev_tokens.dim(0), h = config_.hidden;
  ATTN_CHECK(prev_tokens.shape() == (Shape{encoding.memory.dim(0), 1}),
             "RnnSeq2Seq: previous tokens {} for {} rows", shape_str(prev_tokens.shape()),
             encoding.memory.dim(0));
  Var x = reshape(embedding(tgt_embedding_, prev_tokens), {batch, config_.embed});
  if (config_.decoder == RnnDecoderType::kConditionalGru) {
    const Var embedded = x;
    RecurrentState& state = recurrence.layers[0];
    state = decoder_[0].step(decoder_[0].project_input(embedded), state);  // s'_t
    const Var scores = scorer_.score(state.h, encoding.keys);
    const Var weights = scope_.weights(scores, state.h, encoding.source, recurrence.scope, mode);
    const int64_t length = weights.dim(1), memory = encoding.memory.dim(2);
    const Var context = reshape(
        batched_matmul(reshape(weights, {batch, 1, length}), encoding.memory), {batch, memory});
    state = context_cell_.step(context_cell_.project_input(context), state);  // s_t
    const Var deep = tanh(add(add(deep_embed_.forward(embedded), deep_state_.forward(state.h)),
                              deep_context_.forward(context)));
    return {output_logits(deep, mode), weights};
  }
  if (config_.input_feeding) x = concat({x, recurrence.attentional}, -1);
  for (size_t l = 0; l < decoder_.size(); ++l) {
    if (l > 0) x = apply_dropout(x, mode);
    recurrence.layers[l] = decoder_[l].step(decoder_[l].project_input(x), recurrence.layers[l]);
    x = recurrence.layers[l].h;
  }
  const Var query = x;  // s_t [B, H]
  const Var scores = scorer_.score(query, encoding.keys);
  const Var weights = scope_.weights(scores, query, encoding.source, recurrence.scope, mode);
  const int64_t length = weights.dim(1);
  const Var context =
      reshape(batched_matmul(reshape(weights, {batch, 1, length}), encoding.memory), {batch, h});
  const Var attentional = tanh(linear_out_.forward(concat({context, query}, -1)));
  recurrence.attentional = attentional;
  return {output_logits(attentional, mode), weights};
}

Var RnnSeq2Seq::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
                        std::map<std::string, Tensor>* attention) const {
  check_target(src, tgt_in, "RnnSeq2Seq");
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1);
  const RnnEncoding encoding = encode_source(src, mode);
  RnnRecurrence recurrence = initial_recurrence(encoding);
  std::vector<Var> logits;
  Tensor maps;  // [B, T, S], S from the first step: the encoder may append </s>
  for (int64_t t = 0; t < steps; ++t) {
    Tensor column = Tensor::empty({batch, 1}, DType::kI32);
    for (int64_t b = 0; b < batch; ++b) column.ints()[b] = tgt_in.ints()[b * steps + t];
    const RnnStepOutput out = decode_step(column, encoding, recurrence, mode);
    logits.push_back(out.logits);
    if (attention && t == 0) maps = Tensor::empty({batch, steps, out.weights.dim(1)});
    if (attention) maps.slice(1, t, t + 1).copy_from(out.weights.value().view({batch, 1, -1}));
  }
  if (attention) (*attention)["attention"] = maps;
  return stack(logits, 1);  // [B, T, V]
}

NamedParameters RnnSeq2Seq::parameters() const {
  NamedParameters out;
  out.emplace_back("encoder.embed_tokens.weight", src_embedding_);
  encoder_.collect_parameters("encoder.rnn", out);
  out.emplace_back("decoder.embed_tokens.weight", tgt_embedding_);
  if (config_.bridge != BridgeType::kZero) bridge_.collect_parameters("decoder.bridge", out);
  for (size_t l = 0; l < decoder_.size(); ++l)
    decoder_[l].collect_parameters("decoder.rnn", "_l" + std::to_string(l), out);
  scorer_.collect_parameters("decoder.attention", out);
  scope_.collect_parameters("decoder.attention", out);
  if (config_.decoder == RnnDecoderType::kConditionalGru) {
    context_cell_.collect_parameters("decoder.context_rnn", "_l0", out);
    deep_embed_.collect_parameters("decoder.deep_output.embed", out);
    deep_state_.collect_parameters("decoder.deep_output.state", out);
    deep_context_.collect_parameters("decoder.deep_output.context", out);
  } else {
    linear_out_.collect_parameters("decoder.attention.linear_out", out);
  }
  if (config_.tie_output)
    out.emplace_back("decoder.output_bias", output_bias_);
  else
    output_projection_.collect_parameters("decoder.output_projection", out);
  return out;
}

}  // namespace attn
