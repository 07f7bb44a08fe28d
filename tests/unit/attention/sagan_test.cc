// SAGAN self-attention (libattn/attention/sagan.h): gradients, the identity start, a float64
// reference, and a 12×12 grid task that needs a long-range dependency: self-attention learns
// it, a convolution stack of more parameters stays at chance.
#include "libattn/attention/sagan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "libattn/autograd/ops.h"
#include "libattn/core/arena.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

TEST(SelfAttention2d, GradientsMatchFiniteDifferences) {
  Rng rng(71);
  SelfAttention2d block(4, 2, rng);
  GradCheck check;
  // Every parameter is an input here, γ included at a non-zero value so its path counts.
  check.run("sagan",
            [&block](const std::vector<Var>& in) {
              SelfAttention2d b = block;
              b.f.weight = in[1], b.g.weight = in[2], b.h.weight = in[3], b.v.weight = in[4];
              b.gamma = in[5];
              return b.forward(in[0]);
            },
            {random_tensor({2, 6, 4}, rng), random_tensor({2, 4}, rng), random_tensor({2, 4}, rng),
             random_tensor({2, 4}, rng), random_tensor({4, 2}, rng), Tensor::from({1}, {0.7f})});
}

TEST(SelfAttention2d, StartsAsIdentityAndMatchesAFloat64Reference) {
  Rng rng(72);
  SelfAttention2d block(3, 2, rng);
  const Tensor x = random_tensor({1, 4, 3}, rng);
  Tensor beta;
  const Tensor y = block.forward(Var(x), &beta).value();
  EXPECT_EQ(y.to_vector(), x.to_vector());  // γ = 0
  ASSERT_EQ(beta.shape(), (Shape{1, 4, 4}));
  block.gamma.mutable_value()[0] = 0.5f;
  const Tensor z = block.forward(Var(x)).value();
  // Row k of a [out, in] weight times an input row, in float64.
  auto project = [](const Var& w, const float* row, int64_t in, int64_t k) {
    double s = 0;
    for (int64_t c = 0; c < in; ++c) s += double(w.value()[k * in + c]) * row[c];
    return s;
  };
  for (int64_t j = 0; j < 4; ++j) {
    std::vector<double> scores(4);
    double top = -1e300, total = 0;
    for (int64_t i = 0; i < 4; ++i) {
      double s = 0;
      for (int64_t k = 0; k < 2; ++k)
        s += project(block.f.weight, x.data() + i * 3, 3, k) *
             project(block.g.weight, x.data() + j * 3, 3, k);
      scores[i] = s;
      top = std::max(top, s);
    }
    for (double& s : scores) total += (s = std::exp(s - top));
    std::vector<double> mixed(2, 0.0);
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_NEAR(beta[j * 4 + i], scores[i] / total, 1e-6);
      for (int64_t k = 0; k < 2; ++k)
        mixed[k] += scores[i] / total * project(block.h.weight, x.data() + i * 3, 3, k);
    }
    for (int64_t c = 0; c < 3; ++c) {
      double o = 0;
      for (int64_t k = 0; k < 2; ++k) o += double(block.v.weight.value()[c * 2 + k]) * mixed[k];
      EXPECT_NEAR(z[j * 3 + c], x[j * 3 + c] + 0.5 * o, 1e-5);
    }
  }
}

// The grid task: a 12×12 grid of cells in 4 colours with two marked cells, A and B, at least
// 6 cells apart (Chebyshev distance). Is B the same colour as A? Both models embed each cell,
// run two layers, and classify from the features at A's position, so the answer must travel
// from B to A: one attention layer spans the grid, three 3×3 convolutions see 3 cells away.
constexpr int64_t kSide = 12, kCells = kSide * kSide, kColours = 4, kFeatures = kColours + 2;
constexpr int64_t kWidth = 16;

struct GridBatch {
  Tensor cells;   // [B, P, 6]: one-hot colour, is-A, is-B
  Tensor at_a;    // [B, P, 1]: 1 at A
  Tensor labels;  // int32 [B]: 1 same colour
};

GridBatch grid_batch(int64_t batch, Rng& rng) {
  GridBatch g{Tensor::zeros({batch, kCells, kFeatures}), Tensor::zeros({batch, kCells, 1}),
              Tensor::zeros({batch}, DType::kI32)};
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> colour(kCells);
    for (auto& c : colour) c = static_cast<int64_t>(rng.below(kColours));
    int64_t a = 0, other = 0;
    do {
      a = static_cast<int64_t>(rng.below(kCells));
      other = static_cast<int64_t>(rng.below(kCells));
    } while (std::max(std::abs(a / kSide - other / kSide), std::abs(a % kSide - other % kSide)) <
             6);
    const bool same = rng.below(2) == 1;
    colour[other] =
        same ? colour[a]
             : (colour[a] + 1 + static_cast<int64_t>(rng.below(kColours - 1))) % kColours;
    for (int64_t p = 0; p < kCells; ++p) g.cells[(b * kCells + p) * kFeatures + colour[p]] = 1.0f;
    g.cells[(b * kCells + a) * kFeatures + kColours] = 1.0f;
    g.cells[(b * kCells + other) * kFeatures + kColours + 1] = 1.0f;
    g.at_a[b * kCells + a] = 1.0f;
    g.labels.ints()[b] = same ? 1 : 0;
  }
  return g;
}

// 3×3 convolution with zero padding on x [B, P, C] laid out row-major over the grid: the nine
// shifted copies side by side ([B, H, W, 9C], im2col by slicing) times one [C_out, 9C] matrix.
Var conv3x3(const Var& x, const Linear& weight) {
  const int64_t batch = x.dim(0), channels = x.dim(2);
  const Var grid = reshape(x, {batch, kSide, kSide, channels});
  const Var zero_row(Tensor::zeros({batch, 1, kSide, channels}));
  const Var rows = concat({zero_row, grid, zero_row}, 1);  // [B, H + 2, W, C]
  const Var zero_column(Tensor::zeros({batch, kSide + 2, 1, channels}));
  const Var padded = concat({zero_column, rows, zero_column}, 2);  // [B, H + 2, W + 2, C]
  std::vector<Var> taps;
  for (int64_t dy = 0; dy < 3; ++dy)
    for (int64_t dx = 0; dx < 3; ++dx)
      taps.push_back(slice(slice(padded, 1, dy, dy + kSide), 2, dx, dx + kSide));
  return reshape(weight.forward(concat(taps, -1)), {batch, kCells, weight.out_features()});
}

struct GridModel {
  bool attention = false;
  Linear embed, head_hidden, head_out;
  SelfAttention2d self_attention;
  std::vector<Linear> convolutions;

  GridModel(bool use_attention, Rng& rng) : attention(use_attention) {
    embed = Linear(kFeatures, kWidth, rng);
    if (attention)
      self_attention = SelfAttention2d(kWidth, kWidth / 2, rng);
    else
      for (int l = 0; l < 3; ++l) convolutions.emplace_back(9 * kWidth, kWidth, rng);
    head_hidden = Linear(kWidth, 32, rng);
    head_out = Linear(32, 2, rng);
  }

  NamedParameters parameters() const {
    NamedParameters out;
    embed.collect_parameters("embed", out);
    if (attention) self_attention.collect_parameters("attention", out);
    for (size_t l = 0; l < convolutions.size(); ++l)
      convolutions[l].collect_parameters("conv" + std::to_string(l), out);
    head_hidden.collect_parameters("head.hidden", out);
    head_out.collect_parameters("head.out", out);
    return out;
  }

  Var logits(const GridBatch& g) const {
    // A linear embedding: the marks stay linearly readable for the attention's projections.
    Var x = embed.forward(Var(g.cells));  // [B, P, C]
    if (attention) x = self_attention.forward(x);
    for (const Linear& conv : convolutions) x = relu(conv3x3(x, conv));
    const Var at_a = sum(mul(x, Var(g.at_a)), 1);  // [B, C]: the features at A
    return head_out.forward(relu(head_hidden.forward(at_a)));
  }
};

// Held-out accuracy after a fixed budget of Adam steps on fresh batches.
double train_and_score(bool attention, int64_t* parameter_count) {
  Rng rng(73);
  GridModel model(attention, rng);
  *parameter_count = count_parameters(model.parameters());
  Adam adam(model.parameters());
  Rng data(74);
  Arena arena;
  for (int step = 0; step < 200; ++step) {
    {
      ArenaScope scope(arena);
      const GridBatch g = grid_batch(32, data);
      auto ce = cross_entropy(model.logits(g), g.labels);
      adam.zero_grad();
      tape().backward(ce.loss);
      ArenaScope heap(nullptr);
      adam.step(3e-3f);
    }
    arena.reset();
  }
  NoGrad no_grad;
  Rng test(75);
  const GridBatch g = grid_batch(400, test);
  return double(cross_entropy(model.logits(g), g.labels).correct) / 400.0;
}

TEST(SelfAttention2d, LearnsALongRangeGridTaskThatConvolutionsCannot) {
  int64_t attention_parameters = 0, convolution_parameters = 0;
  const double attention_accuracy = train_and_score(true, &attention_parameters);
  const double convolution_accuracy = train_and_score(false, &convolution_parameters);
  EXPECT_LT(attention_parameters, convolution_parameters);
  EXPECT_GT(attention_accuracy, 0.9);
  EXPECT_LT(convolution_accuracy, 0.65);  // chance is 0.5: B lies outside its receptive field
  std::printf("grid task: self-attention %.3f (%lld parameters), 3x3 conv x3 %.3f (%lld)\n",
              attention_accuracy, static_cast<long long>(attention_parameters),
              convolution_accuracy, static_cast<long long>(convolution_parameters));
}

}  // namespace
}  // namespace attn
