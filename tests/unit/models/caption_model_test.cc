#include "libattn/models/caption_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/data/points.h"
#include "libattn/data/vocab.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/model_gradcheck.h"
#include "tests/unit/models/overfit.h"

namespace attn {
namespace {

// Source alphabet: 4 "_" (nothing), 5 red, 6 blue, 7 square, 8 circle; 2 tokens a cell.
// Target words: 4 red, 5 blue, 6 square, 7 circle, 8 left, 9 right.
constexpr int64_t kTgtVocab = 10;
constexpr int64_t kFeatures = 2;
constexpr int kVectorDims = 3;

// With input_dims the same features as vectors of 3 numbers: a colour as RGB, a shape as a
// descriptor, nothing as zeros; the source id is the vector's point id.
int32_t source_id(int32_t feature, const CaptionConfig& config) {
  if (config.input_dims == 0) return feature;
  const std::map<int32_t, const char*> vectors = {
      {4, "0,0,0"}, {5, "0.9,0.1,0.1"}, {6, "0.1,0.2,0.9"}, {7, "1,0,0.5"}, {8, "0,1,0.5"}};
  return PointCodec{kVectorDims}.encode(vectors.at(feature), "test");
}

CaptionConfig tiny_config() {
  CaptionConfig c;
  c.src_vocab = 9;
  c.tgt_vocab = kTgtVocab;
  c.max_positions = 9;
  c.embed = 16;
  c.hidden = 24;
  c.dropout = 0.0f;
  return c;
}

std::vector<CaptionConfig> table() {
  std::vector<CaptionConfig> configs(4, tiny_config());
  configs[1].cell = CellType::kGru, configs[1].attention = ScorerType::kGeneral;
  configs[2].penalty = 0.5f;
  configs[3].input_dims = kVectorDims, configs[3].src_vocab = Vocabulary::kSpecials;
  return configs;
}

std::string describe(const CaptionConfig& c) {
  return fmt::format("{}/{}/{}/penalty={}/input_dims={}", cell_type_name(c.cell),
                     scorer_name(c.attention), scope_name(c.scope), c.penalty, c.input_dims);
}

struct Grids {
  std::vector<std::vector<int32_t>> sources;  // N·K feature tokens a grid
  std::vector<std::vector<int32_t>> captions;
  Tensor src, tgt_in, tgt_out;
};

// One shape a grid (3x3, or 2x3 for the last row: a shorter, padded grid), captioned
// "<colour> <shape> <left|right>" by its column; the source as `config` reads it.
Grids grid_batch(const CaptionConfig& config = tiny_config()) {
  struct Object {
    int cells, position, colour, shape;
  };
  const std::vector<Object> objects = {{9, 0, 5, 7}, {9, 5, 6, 8}, {9, 7, 5, 8}, {6, 2, 6, 7}};
  Grids g;
  const int64_t batch = static_cast<int64_t>(objects.size()), length = 9 * kFeatures, steps = 4;
  g.src = Tensor::zeros({batch, length}, DType::kI32);
  g.tgt_in = Tensor::zeros({batch, steps}, DType::kI32);
  g.tgt_out = Tensor::zeros({batch, steps}, DType::kI32);
  for (int64_t r = 0; r < batch; ++r) {
    const Object& o = objects[r];
    std::vector<int32_t> grid(o.cells * kFeatures, source_id(4, config));
    grid[o.position * kFeatures] = source_id(o.colour, config);
    grid[o.position * kFeatures + 1] = source_id(o.shape, config);
    const int32_t side = o.position % 3 == 0 ? 8 : 9;
    g.captions.push_back({o.colour - 1, o.shape - 1, side});
    g.sources.push_back(grid);
    std::copy(grid.begin(), grid.end(), g.src.ints() + r * length);
    g.tgt_in.ints()[r * steps] = Vocabulary::kBos;
    for (int64_t t = 0; t < 3; ++t) {
      g.tgt_in.ints()[r * steps + t + 1] = g.captions[r][t];
      g.tgt_out.ints()[r * steps + t] = g.captions[r][t];
    }
    g.tgt_out.ints()[r * steps + 3] = Vocabulary::kEos;
  }
  return g;
}

TEST(CaptionModel, OverfitsOneBatch) {
  for (const CaptionConfig& config : table()) {
    Grids batch = grid_batch(config);
    Rng rng(3);
    CaptionModel model(config, rng);
    const std::vector<NBest> beam =
        testing::expect_learns(model, batch, 200, rng, batch.captions, describe(config));
    for (size_t r = 0; r < batch.sources.size(); ++r) {
      ASSERT_FALSE(beam[r][0].attention.empty()) << describe(config);
      EXPECT_EQ(beam[r][0].attention[0].size(), batch.sources[r].size()) << describe(config);
    }
  }
}

TEST(CaptionModel, IncrementalDecodingMatchesTeacherForcedForward) {
  const int64_t rows = 4, steps = 4, cells = 9;
  for (const CaptionConfig& config : table()) {
    Grids batch = grid_batch(config);
    Rng rng(7);
    CaptionModel model(config, rng);
    NoGrad no_grad;
    std::map<std::string, Tensor> maps;
    Tensor reference = log_softmax(model.forward(batch.src, batch.tgt_in, {}, &maps)).value();
    const Tensor cell_maps = maps.at("cell_attention").contiguous();
    const Tensor token_maps = maps.at("attention").contiguous();
    ASSERT_EQ(cell_maps.shape(), (Shape{rows, steps, cells}));
    ASSERT_EQ(token_maps.shape(), (Shape{rows, steps, cells * kFeatures}));
    auto state = model.encode(batch.sources);
    for (int64_t t = 0; t < steps; ++t) {
      std::vector<int32_t> prev(rows);
      for (int64_t r = 0; r < rows; ++r) prev[r] = batch.tgt_in.ints()[r * steps + t];
      Tensor attention;
      Tensor step = model.step(*state, prev, &attention).contiguous();
      ASSERT_EQ(step.shape(), (Shape{rows, kTgtVocab}));
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t v = 0; v < kTgtVocab; ++v)
          EXPECT_NEAR(step[r * kTgtVocab + v], reference[(r * steps + t) * kTgtVocab + v], 1e-5)
              << describe(config) << " t=" << t;
        // The step's attention is over this row's tokens; each cell's K tokens share α_ti.
        const int64_t width = attention.dim(1);
        for (int64_t i = 0; i < cells; ++i) {
          const float alpha = cell_maps[(r * steps + t) * cells + i];
          if (r == 3 && i >= 6) {
            EXPECT_EQ(alpha, 0.0f) << "padded cell " << i;
          }
          for (int64_t k = 0; k < kFeatures; ++k) {
            EXPECT_NEAR(token_maps[(r * steps + t) * cells * kFeatures + i * kFeatures + k],
                        alpha / kFeatures, 1e-7);
            if (i * kFeatures + k < width) {
              EXPECT_NEAR(attention[r * width + i * kFeatures + k], alpha / kFeatures, 1e-6);
            }
          }
        }
      }
    }
    auto again = model.encode(batch.sources);
    model.step(*again, {2, 2, 2, 2}, nullptr);
    model.reorder(*again, {3, 0});
    Tensor reordered =
        model.step(*again, {batch.tgt_in.ints()[3 * steps + 1], batch.tgt_in.ints()[1]}, nullptr)
            .contiguous();
    for (int64_t v = 0; v < kTgtVocab; ++v) {
      EXPECT_NEAR(reordered[v], reference[(3 * steps + 1) * kTgtVocab + v], 1e-5);
      EXPECT_NEAR(reordered[kTgtVocab + v], reference[1 * kTgtVocab + v], 1e-5);
    }
  }
}

// Xu et al. 2015 eq. 14, recomputed in float64 from the forward pass's own α.
TEST(CaptionModel, PenaltyIsTheDoublyStochasticRegulariser) {
  Grids batch = grid_batch();
  CaptionConfig config = tiny_config();
  config.penalty = 0.7f;
  Rng rng(5);
  CaptionModel model(config, rng);
  std::map<std::string, Tensor> maps;
  model.forward(batch.src, batch.tgt_in, {true, &rng}, &maps);
  ASSERT_TRUE(model.extra_loss().defined());
  const Tensor alpha = maps.at("cell_attention").contiguous();  // [4, 4, 9]
  double want = 0;
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t i = 0; i < (r == 3 ? 6 : 9); ++i) {
      double coverage = 0;
      for (int64_t t = 0; t < 4; ++t) coverage += alpha[(r * 4 + t) * 9 + i];
      want += (1 - coverage) * (1 - coverage);
    }
  want *= 0.7 / 4;
  EXPECT_NEAR(model.extra_loss().value().item(), want, 1e-5);
  model.forward(batch.src, batch.tgt_in, {});
  EXPECT_FALSE(model.extra_loss().defined()) << "the regulariser is a training term";
}

// End to end: the analytic gradient of the caption loss (and the penalty) with respect to a
// few elements of every parameter tensor against central differences of the whole model.
// No new op, but the wiring (the cell sums or the vector projection, the init MLP, attending
// from h_{t-1}, the deep output) is checked here.
TEST(CaptionModel, ModelGradientsMatchFiniteDifferences) {
  for (CaptionConfig config : table()) {
    const Grids batch = grid_batch(config);
    config.embed = 4;
    config.hidden = 6;
    Rng rng(9);
    CaptionModel model(config, rng);
    // Training mode for the penalty; with dropout 0 and a global scope it draws nothing.
    testing::check_loss_gradients(model, batch, {true, &rng}, rng, describe(config));
  }
}

// With input_dims a cell's annotation is W_f [x_i1; x_i2] + b_f + p_i over the numbers its
// two tokens carry, recomputed here in float64 from the parameters by name; there is no
// feature table.
TEST(CaptionModel, VectorCellsAreAProjectionOfTheirNumbers) {
  CaptionConfig config = table()[3];
  Rng rng(4);
  CaptionModel model(config, rng);
  std::map<std::string, Var> params;
  for (const auto& [name, var] : model.parameters()) params[name] = var;
  EXPECT_EQ(params.count("encoder.embed_features.weight"), 0u);
  const Tensor w = params.at("encoder.embed_vectors.weight").value().contiguous();
  const Tensor b = params.at("encoder.embed_vectors.bias").value().contiguous();
  const Tensor p = params.at("encoder.embed_positions.weight").value().contiguous();
  const int64_t h = config.hidden, numbers = kFeatures * kVectorDims;
  ASSERT_EQ(w.shape(), (Shape{h, numbers}));
  const Grids batch = grid_batch(config);
  NoGrad no_grad;
  const Tensor memory = model.encode_grid(batch.src).memory.value().contiguous();  // [4, 9, H]
  // Row 0: a red square in cell 0, nothing elsewhere.
  const std::vector<std::vector<double>> cells = {{0.9, 0.1, 0.1, 1, 0, 0.5}, {0, 0, 0, 0, 0, 0}};
  for (int64_t cell = 0; cell < 2; ++cell)
    for (int64_t j = 0; j < h; ++j) {
      double want = double(b[j]) + double(p[cell * h + j]);
      for (int64_t n = 0; n < numbers; ++n) want += double(w[j * numbers + n]) * cells[cell][n];
      // The numbers are read back at 9 bits: within 2^-10 of what was written.
      EXPECT_NEAR(memory[cell * h + j], want, 2e-3) << "cell " << cell << " unit " << j;
    }
}

// A model file from before input_dims reads as named features; sources come in whole cells.
TEST(CaptionModel, ConfigWithoutInputDimsReadsFeatureTokens) {
  ConfigMap map = tiny_config().to_map();
  map.erase("input_dims");
  EXPECT_EQ(CaptionConfig::from_map(map).input_dims, 0);
  Rng rng(1);
  CaptionModel model(tiny_config(), rng);
  EXPECT_THROW(model.encode({{4, 5, 6}}), InputError) << "three tokens are not whole cells of 2";
  EXPECT_THROW(model.encode({std::vector<int32_t>(20, 4)}), InputError) << "10 cells > 9";
}

}  // namespace
}  // namespace attn
