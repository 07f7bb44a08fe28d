#include "libattn/models/caption_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/data/vocab.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer.h"

namespace attn {
namespace {

// Source alphabet: 4 "_" (nothing), 5 red, 6 blue, 7 square, 8 circle; 2 tokens a cell.
// Target words: 4 red, 5 blue, 6 square, 7 circle, 8 left, 9 right.
constexpr int64_t kTgtVocab = 10;
constexpr int64_t kFeatures = 2;

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
  std::vector<CaptionConfig> configs(3, tiny_config());
  configs[1].cell = CellType::kGru, configs[1].attention = ScorerType::kGeneral;
  configs[2].penalty = 0.5f;
  return configs;
}

std::string describe(const CaptionConfig& c) {
  return fmt::format("{}/{}/{}/penalty={}", cell_type_name(c.cell), scorer_name(c.attention),
                     scope_name(c.scope), c.penalty);
}

struct Grids {
  std::vector<std::vector<int32_t>> sources;  // N·K feature tokens a grid
  std::vector<std::vector<int32_t>> captions;
  Tensor src, tgt_in, tgt_out;
};

// One shape a grid (3x3, or 2x3 for the last row: a shorter, padded grid), captioned
// "<colour> <shape> <left|right>" by its column.
Grids grid_batch() {
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
    std::vector<int32_t> grid(o.cells * kFeatures, 4);
    grid[o.position * kFeatures] = o.colour;
    grid[o.position * kFeatures + 1] = o.shape;
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
  Grids batch = grid_batch();
  for (const CaptionConfig& config : table()) {
    Rng rng(3);
    CaptionModel model(config, rng);
    Adam adam(model.parameters());
    float loss = 0;
    for (int step = 0; step < 200; ++step) {
      Var logits = model.forward(batch.src, batch.tgt_in, {true, &rng});
      auto ce = cross_entropy(logits, batch.tgt_out, {.label_smoothing = 0.0f, .ignore_index = 0});
      loss = ce.loss.value().item();
      Var total = model.extra_loss().defined() ? add(ce.loss, model.extra_loss()) : ce.loss;
      adam.zero_grad();
      tape().backward(total);
      adam.step(1e-2f);
    }
    EXPECT_LT(loss, 0.05f) << describe(config);
    BeamOptions options;
    options.beam_size = 3;
    options.return_alignment = true;
    const std::vector<NBest> greedy = greedy_search(model, batch.sources, options);
    const std::vector<NBest> beam = beam_search(model, batch.sources, options);
    for (size_t r = 0; r < batch.sources.size(); ++r) {
      EXPECT_EQ(greedy[r][0].tokens, batch.captions[r]) << describe(config) << " row " << r;
      EXPECT_EQ(beam[r][0].tokens, batch.captions[r]) << describe(config) << " row " << r;
      ASSERT_FALSE(beam[r][0].attention.empty()) << describe(config);
      EXPECT_EQ(beam[r][0].attention[0].size(), batch.sources[r].size()) << describe(config);
    }
  }
}

TEST(CaptionModel, IncrementalDecodingMatchesTeacherForcedForward) {
  Grids batch = grid_batch();
  const int64_t rows = 4, steps = 4, cells = 9;
  for (const CaptionConfig& config : table()) {
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

TEST(CaptionModel, ConfigRoundTripsAndRejectsBadInput) {
  CaptionConfig config = tiny_config();
  config.scope = ScopeType::kHard;
  config.penalty = 0.25f;
  const CaptionConfig back = CaptionConfig::from_map(config.to_map());
  EXPECT_EQ(back.to_map(), config.to_map());
  Rng rng(1);
  EXPECT_EQ(create_model("caption", config.to_map(), rng)->architecture(), "caption");
  auto map = config.to_map();
  map["cell_features"] = "0";
  EXPECT_THROW(CaptionConfig::from_map(map), InputError);
  map = config.to_map();
  map["layers"] = "2";
  EXPECT_THROW(CaptionConfig::from_map(map), InputError);
  CaptionModel model(tiny_config(), rng);
  EXPECT_THROW(model.encode({{4, 5, 6}}), InputError) << "three tokens are not whole cells of 2";
  EXPECT_THROW(model.encode({std::vector<int32_t>(20, 4)}), InputError) << "10 cells > 9";
}

}  // namespace
}  // namespace attn
