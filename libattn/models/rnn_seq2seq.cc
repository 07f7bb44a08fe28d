#include "libattn/models/rnn_seq2seq.h"

#include <algorithm>

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"
#include "libattn/models/config_integer.h"
#include "libattn/models/special_tokens.h"

namespace attn {

namespace {

// Luong et al. 2015 (§4.1): parameters uniform in [-0.1, 0.1]; used for the embeddings.
Var uniform_embedding(int64_t vocab, int64_t dim, Rng& rng) {
  Tensor t = Tensor::empty_heap({vocab, dim});
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = 0.2f * rng.uniform() - 0.1f;
  return Var::parameter(t);
}

// Real tokens per row of a right-padded batch: one past the last non-pad id.
std::vector<int32_t> source_lengths(const Tensor& src) {
  const int64_t batch = src.dim(0), length = src.dim(1);
  std::vector<int32_t> lengths(batch, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = length; j > 0; --j)
      if (src.ints()[b * length + j - 1] != 0) {
        lengths[b] = static_cast<int32_t>(j);
        break;
      }
  return lengths;
}

}  // namespace

const char* bridge_name(BridgeType type) {
  switch (type) {
    case BridgeType::kMean:
      return "mean";
    case BridgeType::kFinal:
      return "final";
    case BridgeType::kZero:
      return "zero";
  }
  return "?";
}

BridgeType parse_bridge(const std::string& name) {
  for (BridgeType type : {BridgeType::kMean, BridgeType::kFinal, BridgeType::kZero})
    if (name == bridge_name(type)) return type;
  throw InputError("unknown bridge '" + name + "' (expected mean, final or zero)");
}

const char* rnn_decoder_name(RnnDecoderType type) {
  return type == RnnDecoderType::kConditionalGru ? "cgru" : "luong";
}

RnnDecoderType parse_rnn_decoder(const std::string& name) {
  if (name == "luong") return RnnDecoderType::kLuong;
  if (name == "cgru") return RnnDecoderType::kConditionalGru;
  throw InputError("unknown rnn decoder '" + name + "' (expected luong or cgru)");
}

RnnConfig RnnConfig::preset(const std::string& name) {
  RnnConfig c;
  if (name == "tiny") {
    c.embed = 32, c.hidden = 64, c.layers = 1;
  } else if (name == "base") {
    c.embed = 512, c.hidden = 1000, c.layers = 4;
  } else if (name != "small") {
    throw InputError("unknown --preset '" + name + "' (expected tiny, small or base)");
  }
  return c;
}

std::map<std::string, std::string> RnnConfig::to_map() const {
  std::map<std::string, std::string> map = {{"src_vocab", std::to_string(src_vocab)},
          {"tgt_vocab", std::to_string(tgt_vocab)},
          {"embed", std::to_string(embed)},
          {"hidden", std::to_string(hidden)},
          {"layers", std::to_string(layers)},
          {"cell", cell_type_name(cell)},
          {"bidirectional", bidirectional ? "true" : "false"},
          {"attention", scorer_name(attention)},
          {"attention_scope", scope_name(scope)},
          {"window", std::to_string(window)},
          {"input_feeding", input_feeding ? "true" : "false"},
          {"bridge", bridge_name(bridge)},
          {"dropout", fmt::format("{}", dropout)},
          {"max_source_length", std::to_string(max_source_length)}};
  const RnnConfig defaults;
  if (decoder != defaults.decoder) map["decoder"] = rnn_decoder_name(decoder);
  if (tie_output != defaults.tie_output) map["tie_output"] = tie_output ? "true" : "false";
  if (source_eos != defaults.source_eos) map["source_eos"] = source_eos ? "true" : "false";
  if (output_specials != defaults.output_specials)
    map["output_specials"] = output_specials ? "true" : "false";
  return map;
}

RnnConfig RnnConfig::from_map(const std::map<std::string, std::string>& map) {
  std::map<std::string, std::string> known = RnnConfig().to_map();
  for (const char* optional : {"decoder", "tie_output", "source_eos", "output_specials"})
    known[optional];
  for (const auto& [key, value] : map)
    if (!known.count(key)) throw InputError("rnn model config has an unknown field '" + key + "'");
  for (const char* required : {"src_vocab", "tgt_vocab"})
    if (!map.count(required))
      throw InputError(std::string("rnn model config has no field '") + required + "'");
  auto integer = [&](const std::string& key, int64_t& field) {
    auto it = map.find(key);
    if (it == map.end()) return;
    try {
      size_t used = 0;
      const int64_t value = strict_stoll(it->second, &used);
      if (used != it->second.size() || value <= 0 || value > (int64_t{1} << 31))
        throw std::out_of_range(key);
      field = value;
    } catch (const std::logic_error&) {
      throw InputError("rnn model config field '" + key + "' is not a positive integer: '" +
                       it->second + "'");
    }
  };
  auto boolean = [&](const std::string& key, bool& field) {
    auto it = map.find(key);
    if (it == map.end()) return;
    if (it->second != "true" && it->second != "false")
      throw InputError("rnn model config field '" + key + "' is not true/false: '" + it->second +
                       "'");
    field = it->second == "true";
  };
  auto named = [&](const std::string& key, auto parse, auto& field) {
    auto it = map.find(key);
    if (it != map.end()) field = parse(it->second);
  };
  RnnConfig c;
  integer("src_vocab", c.src_vocab);
  integer("tgt_vocab", c.tgt_vocab);
  integer("embed", c.embed);
  integer("hidden", c.hidden);
  integer("layers", c.layers);
  named("cell", parse_cell_type, c.cell);
  boolean("bidirectional", c.bidirectional);
  named("attention", parse_scorer, c.attention);
  named("attention_scope", parse_scope, c.scope);
  integer("window", c.window);
  boolean("input_feeding", c.input_feeding);
  named("bridge", parse_bridge, c.bridge);
  integer("max_source_length", c.max_source_length);
  named("decoder", parse_rnn_decoder, c.decoder);
  boolean("tie_output", c.tie_output);
  boolean("source_eos", c.source_eos);
  boolean("output_specials", c.output_specials);
  if (auto it = map.find("dropout"); it != map.end()) {
    try {
      size_t used = 0;
      c.dropout = std::stof(it->second, &used);
      if (used != it->second.size()) throw std::invalid_argument("dropout");
    } catch (const std::logic_error&) {
      throw InputError("rnn model config field 'dropout' is not a number: '" + it->second + "'");
    }
  }
  c.validate();
  return c;
}

void RnnConfig::validate() const {
  auto positive = [](const char* key, int64_t value) {
    if (value <= 0)
      throw InputError(fmt::format("rnn model config: {} must be positive, got {}", key, value));
  };
  positive("src_vocab", src_vocab);
  positive("tgt_vocab", tgt_vocab);
  positive("embed", embed);
  positive("hidden", hidden);
  positive("layers", layers);
  positive("window", window);
  positive("max_source_length", max_source_length);
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
  if (!(dropout >= 0.0f && dropout < 1.0f))
    throw InputError(fmt::format("rnn model config: dropout must lie in [0, 1), got {}", dropout));
}

RnnSeq2Seq::RnnSeq2Seq(const RnnConfig& config, Rng& rng) : config_(config) {
  config.validate();
  const int64_t h = config.hidden;
  src_embedding_ = uniform_embedding(config.src_vocab, config.embed, rng);
  tgt_embedding_ = uniform_embedding(config.tgt_vocab, config.embed, rng);
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
  ATTN_CHECK(source.rank() == 2 && source.dtype() == DType::kI32,
             "RnnSeq2Seq: source must be int32 [B, S], got {} {}", dtype_name(source.dtype()),
             shape_str(source.shape()));
  const Tensor src = config_.source_eos ? with_source_eos(source) : source;
  const int64_t batch = src.dim(0), length = src.dim(1);
  const std::vector<int32_t> lengths = source_lengths(src);
  const StackedRnnOutput encoded =
      encoder_.forward(embedding(src_embedding_, src), lengths, config_.dropout, mode);
  RnnEncoding encoding;
  encoding.memory = encoded.outputs;
  encoding.keys = scorer_.keys(encoded.outputs);
  encoding.source = SourceMask::from_lengths(lengths, length);
  if (config_.bridge == BridgeType::kMean) {
    // Mean over real tokens only: padded positions are zeroed, then divided by the length.
    Tensor keep = Tensor::empty({batch, length, 1});
    Tensor inverse_length = Tensor::empty({batch, 1});
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t j = 0; j < length; ++j) keep[b * length + j] = j < lengths[b] ? 1.0f : 0.0f;
      inverse_length[b] = 1.0f / static_cast<float>(std::max(lengths[b], 1));
    }
    encoding.summary = mul(sum(mul(encoded.outputs, Var(keep)), 1), Var(inverse_length));
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
  const bool lstm = config_.cell == CellType::kLstm;
  const int64_t parts = config_.layers * (lstm ? 2 : 1);
  const std::vector<Var> initial =
      split(tanh(bridge_.forward(encoding.summary)), -1, std::vector<int64_t>(parts, h));
  for (int64_t l = 0; l < config_.layers; ++l) {
    RecurrentState state;
    state.h = initial[lstm ? 2 * l : l];
    if (lstm) state.c = initial[2 * l + 1];
    recurrence.layers.push_back(state);
  }
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
  ATTN_CHECK(tgt_in.rank() == 2 && tgt_in.dtype() == DType::kI32 && tgt_in.dim(0) == src.dim(0),
             "RnnSeq2Seq: target must be int32 [B, T] with the source's B, got {} {}",
             dtype_name(tgt_in.dtype()), shape_str(tgt_in.shape()));
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
