#include "libattn/models/caption_model.h"

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
#include "libattn/models/shared_fields.h"

namespace attn {

namespace {

// Real cells per row: the cell holding the row's last non-pad token ends the grid.
std::vector<int32_t> cell_counts(const Tensor& src, int64_t features) {
  std::vector<int32_t> counts = source_lengths(src);
  for (int32_t& n : counts) n = static_cast<int32_t>((n + features - 1) / features);
  return counts;
}

void check_whole_cells(int64_t tokens, int64_t features, int64_t max_positions) {
  if (tokens % features != 0)
    throw InputError(fmt::format(
        "caption model: a source of {} tokens is not whole cells of {} feature tokens each; "
        "write every grid cell as exactly {} tokens (cell_features)",
        tokens, features, features));
  if (tokens / features > max_positions)
    throw InputError(
        fmt::format("caption model: a grid of {} cells is more than max_positions {}; "
                    "train with a larger --max-positions",
                    tokens / features, max_positions));
}

// α [rows, N] over cells -> [rows, N·K] over tokens, each cell's weight shared by its tokens.
Tensor spread_over_tokens(const Tensor& cell_weights, int64_t features) {
  const Tensor w = cell_weights.contiguous();
  const int64_t rows = w.dim(0), cells = w.dim(1);
  Tensor out = Tensor::empty_heap({rows, cells * features});
  const float share = 1.0f / static_cast<float>(features);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cells; ++i)
      for (int64_t k = 0; k < features; ++k)
        out[(r * cells + i) * features + k] = w[r * cells + i] * share;
  return out;
}

using CaptionDecoderState = RowState<CaptionEncoding, CaptionRecurrence>;

}  // namespace

const ConfigFields<CaptionConfig>& CaptionConfig::fields() {
  using C = CaptionConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("cell_features", &C::cell_features, "feature tokens per grid cell K"),
      integer_field("input_dims", &C::input_dims, 0, PointCodec::kMaxDims,
                    "0: binary feature tokens; D: every token is D numbers in [0, 1]"),
      positive_field("max_positions", &C::max_positions, "grid cells the position vectors cover"),
      positive_field("embed", &C::embed, "word embedding and deep-output width E",
                     {{"tiny", "32"}, {"base", "256"}}),
      positive_field("hidden", &C::hidden, "annotation, context and decoder width H",
                     {{"tiny", "64"}, {"base", "512"}}),
      cell_field(&C::cell),
      scorer_field(&C::attention, "attention score (additive = concat)"),
      scope_field(&C::scope, "which cells each step attends to"),
      positive_field("window", &C::window, "local scopes' half-width in cells"),
      number_field("penalty", &C::penalty, kNonNegative,
                   "lambda of the doubly stochastic regulariser"),
      number_field("dropout", &C::dropout, kProbability, "dropout before the output layer"),
  });
  return table;
}

CaptionModel::CaptionModel(const CaptionConfig& config, Rng& rng) : ConfiguredModel(config) {
  config.validate();
  const int64_t h = config.hidden, e = config.embed;
  if (config.input_dims > 0)
    vector_projection_ = Linear(config.cell_features * config.input_dims, h, rng);
  else
    feature_embedding_ = uniform_parameter({config.src_vocab, h}, 0.1f, rng);
  position_embedding_ = uniform_parameter({config.max_positions, h}, 0.1f, rng);
  word_embedding_ = uniform_parameter({config.tgt_vocab, e}, 0.1f, rng);
  init_state_ = Linear(h, config.cell == CellType::kLstm ? 2 * h : h, rng);
  decoder_ = RecurrentCell(config.cell, e + h, h, rng);
  scorer_ = Scorer(config.attention, h, config.max_positions, rng);
  scope_ = Scope(config.scope, h, config.window, rng);
  hidden_out_ = Linear(h, e, rng, false);
  context_out_ = Linear(h, e, rng, false);
  output_ = Linear(e, config.tgt_vocab, rng);
}

CaptionEncoding CaptionModel::encode_grid(const Tensor& src) const {
  check_source(src, "CaptionModel");
  const int64_t k = config_.cell_features, h = config_.hidden;
  check_whole_cells(src.dim(1), k, config_.max_positions);
  const int64_t batch = src.dim(0), cells = src.dim(1) / k;
  const std::vector<int32_t> counts = cell_counts(src, k);
  Var projected;
  if (config_.input_dims > 0) {
    // a_i = W_f [x_i1; ...; x_iK] + b_f: a cell's K vectors of D numbers side by side.
    const int64_t numbers = k * config_.input_dims;
    const Tensor x = point_coordinates(src, static_cast<int>(config_.input_dims));
    projected = vector_projection_.forward(Var(x.view({batch, cells, numbers})));
  } else {
    // a_i = W x_i: the K feature rows of a cell summed are W times its multi-hot x_i.
    projected = sum(reshape(embedding(feature_embedding_, src), {batch, cells, k, h}), 2);
  }
  CaptionEncoding encoding;
  encoding.memory = add(projected, slice(position_embedding_, 0, 0, cells));
  encoding.keys = scorer_.keys(encoding.memory);
  encoding.cells = SourceMask::from_lengths(counts, cells);
  return encoding;
}

CaptionRecurrence CaptionModel::initial_recurrence(const CaptionEncoding& encoding) const {
  // Mean over real cells only (Xu et al. §3.1.2 average the annotations to start the LSTM).
  const Var mean_annotation = masked_mean(encoding.memory, encoding.cells.lengths);
  const Var initial = tanh(init_state_.forward(mean_annotation));
  CaptionRecurrence recurrence;
  if (config_.cell == CellType::kLstm) {
    const std::vector<Var> parts = split(initial, -1, {config_.hidden, config_.hidden});
    recurrence.state.h = parts[0];
    recurrence.state.c = parts[1];
  } else {
    recurrence.state.h = initial;
  }
  return recurrence;
}

CaptionStepOutput CaptionModel::decode_step(const Tensor& prev_tokens,
                                            const CaptionEncoding& encoding,
                                            CaptionRecurrence& recurrence,
                                            const ForwardMode& mode) const {
  const int64_t batch = prev_tokens.dim(0), h = config_.hidden;
  ATTN_CHECK(prev_tokens.shape() == (Shape{encoding.memory.dim(0), 1}),
             "CaptionModel: previous tokens {} for {} rows", shape_str(prev_tokens.shape()),
             encoding.memory.dim(0));
  const Var word = reshape(embedding(word_embedding_, prev_tokens), {batch, config_.embed});
  const Var query = recurrence.state.h;  // h_{t-1}
  const Var scores = scorer_.score(query, encoding.keys);
  const Var weights = scope_.weights(scores, query, encoding.cells, recurrence.scope, mode);
  const int64_t cells = weights.dim(1);
  const Var context =
      reshape(batched_matmul(reshape(weights, {batch, 1, cells}), encoding.memory), {batch, h});
  recurrence.state =
      decoder_.step(decoder_.project_input(concat({word, context}, -1)), recurrence.state);
  Var deep = add(add(word, hidden_out_.forward(recurrence.state.h)), context_out_.forward(context));
  if (mode.training && config_.dropout > 0) deep = dropout(deep, config_.dropout, *mode.rng, true);
  return {output_.forward(deep), weights};
}

Var CaptionModel::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
                          std::map<std::string, Tensor>* attention) const {
  check_target(src, tgt_in, "CaptionModel");
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1);
  const CaptionEncoding encoding = encode_grid(src);
  const int64_t cells = encoding.memory.dim(1);
  CaptionRecurrence recurrence = initial_recurrence(encoding);
  std::vector<Var> logits, weights;
  for (int64_t t = 0; t < steps; ++t) {
    Tensor column = Tensor::empty({batch, 1}, DType::kI32);
    for (int64_t b = 0; b < batch; ++b) column.ints()[b] = tgt_in.ints()[b * steps + t];
    const CaptionStepOutput out = decode_step(column, encoding, recurrence, mode);
    logits.push_back(out.logits);
    weights.push_back(out.weights);
  }
  const Var alpha = stack(weights, 1);  // [B, T, N]
  extra_loss_ = Var();
  if (mode.training && config_.penalty > 0) {
    // Xu et al. 2015 eq. 14 over the real words and cells: padded steps and cells are masked.
    Tensor real_step = Tensor::empty({batch, steps, 1});
    for (int64_t i = 0; i < batch * steps; ++i) real_step[i] = tgt_in.ints()[i] != 0 ? 1.0f : 0.0f;
    Tensor real_cell = Tensor::empty({batch, cells});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < cells; ++i)
        real_cell[b * cells + i] = i < encoding.cells.lengths[b] ? 1.0f : 0.0f;
    const Var coverage = sum(mul(alpha, Var(real_step)), 1);  // [B, N]: Σ_t α_ti
    const Var shortfall = add_scalar(scale(coverage, -1.0f), 1.0f);
    extra_loss_ = scale(sum(mul(mul(shortfall, shortfall), Var(real_cell))),
                        config_.penalty / static_cast<float>(batch));
  }
  if (attention) {
    const Tensor cell_maps = alpha.value().contiguous();
    (*attention)["cell_attention"] = cell_maps;
    (*attention)["attention"] =
        spread_over_tokens(cell_maps.view({batch * steps, cells}), config_.cell_features)
            .view({batch, steps, cells * config_.cell_features});
  }
  return stack(logits, 1);  // [B, T, V]
}

std::unique_ptr<DecoderState> CaptionModel::encode(
    const std::vector<std::vector<int32_t>>& sources) {
  NoGrad no_grad;
  for (const auto& s : sources)
    check_whole_cells(static_cast<int64_t>(s.size()), config_.cell_features, config_.max_positions);
  const Tensor src = pad_sources(sources, config_.cell_features);
  CaptionEncoding encoding = encode_grid(src);
  CaptionRecurrence recurrence = initial_recurrence(encoding);
  keep_on_heap(recurrence.state, encoding.cells.additive);
  memory_and_keys_on_heap(encoding.memory, encoding.keys);
  return make_row_state(std::move(encoding), std::move(recurrence), sources.size());
}

Tensor CaptionModel::step(DecoderState& base_state, const std::vector<int32_t>& prev_tokens,
                          Tensor* attention) {
  NoGrad no_grad;
  auto& state = static_cast<CaptionDecoderState&>(base_state);
  const Tensor tokens = token_column(prev_tokens, state.encoding.memory.dim(0), "CaptionModel");
  const CaptionStepOutput out = decode_step(tokens, state.encoding, state.recurrence, ForwardMode{});
  keep_on_heap(state.recurrence.state);
  if (attention) *attention = spread_over_tokens(out.weights.value(), config_.cell_features);
  return log_softmax(out.logits).value();
}

// Beams trading places within their sentences leave the grid's memory as it is (RowState).
void CaptionEncoding::reorder(const std::vector<int32_t>& rows) {
  reorder_memory_and_keys(rows, memory, keys);
  reorder_rows(rows, cells);
}

void CaptionRecurrence::reorder(const std::vector<int32_t>& rows) {
  reorder_rows(rows, state, scope);
}

NamedParameters CaptionModel::parameters() const {
  NamedParameters out;
  if (config_.input_dims > 0)
    vector_projection_.collect_parameters("encoder.embed_vectors", out);
  else
    out.emplace_back("encoder.embed_features.weight", feature_embedding_);
  out.emplace_back("encoder.embed_positions.weight", position_embedding_);
  out.emplace_back("decoder.embed_tokens.weight", word_embedding_);
  init_state_.collect_parameters("decoder.init_state", out);
  decoder_.collect_parameters("decoder.rnn", "_l0", out);
  scorer_.collect_parameters("decoder.attention", out);
  scope_.collect_parameters("decoder.attention", out);
  hidden_out_.collect_parameters("decoder.deep_output.hidden", out);
  context_out_.collect_parameters("decoder.deep_output.context", out);
  output_.collect_parameters("decoder.output_projection", out);
  return out;
}

}  // namespace attn
