#include "libattn/attention/scopes.h"

#include <cmath>
#include <limits>

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/reduce.h"
#include "libattn/core/error.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

constexpr int64_t kBatch = 2, kLength = 6, kHidden = 3;
const std::vector<int32_t> kLengths = {6, 4};

Tensor random_scores(Rng& rng) { return random_tensor({kBatch, kLength}, rng, -2.0f, 2.0f); }

// Weights of one scope at step t (a fresh state, so repeated calls agree).
Var scope_weights(const Scope& scope, const Var& scores, const Var& query, int64_t t,
                  std::vector<int32_t> previous = {}) {
  ScopeState state;
  state.step = t;
  state.previous_position = std::move(previous);
  return scope.weights(scores, query, SourceMask::from_lengths(kLengths, kLength), state, {});
}

TEST(Scopes, GlobalIsSoftmaxOverRealTokens) {
  Rng rng(51);
  Scope scope(ScopeType::kGlobal, kHidden, 0, rng);
  Tensor scores = random_scores(rng);
  Tensor w = scope_weights(scope, Var(scores), Var(), 0).value();
  for (int64_t b = 0; b < kBatch; ++b) {
    double z = 0;
    for (int64_t j = 0; j < kLengths[b]; ++j) z += std::exp(double(scores[b * kLength + j]));
    for (int64_t j = 0; j < kLength; ++j) {
      const double expect = j < kLengths[b] ? std::exp(double(scores[b * kLength + j])) / z : 0.0;
      EXPECT_NEAR(w[b * kLength + j], expect, 1e-6) << b << "," << j;
    }
  }
  GradCheck check;
  check.run("global",
            [&](const std::vector<Var>& in) { return scope_weights(scope, in[0], Var(), 0); },
            {scores});
}

TEST(Scopes, LocalMonotonicWindowIsCentredOnTheStep) {
  Rng rng(52);
  Scope scope(ScopeType::kLocalM, kHidden, 1, rng);
  Tensor scores = random_scores(rng);
  for (int64_t t : {0, 2, 5}) {
    Tensor w = scope_weights(scope, Var(scores), Var(), t).value();
    for (int64_t b = 0; b < kBatch; ++b) {
      // p_t = t, held at the last real token (row 1 has 4).
      const int64_t centre = std::min<int64_t>(t, kLengths[b] - 1);
      double total = 0;
      for (int64_t j = 0; j < kLength; ++j) {
        const bool inside = std::abs(j - centre) <= 1 && j < kLengths[b];
        if (!inside) {
          EXPECT_EQ(w[b * kLength + j], 0.0f) << "t=" << t << " b=" << b << " j=" << j;
        }
        total += w[b * kLength + j];
      }
      EXPECT_NEAR(total, 1.0, 1e-6);
    }
  }
  GradCheck check;
  check.run("local_m",
            [&](const std::vector<Var>& in) { return scope_weights(scope, in[0], Var(), 2); },
            {scores});
}

TEST(Scopes, LocalPredictiveMatchesLuongFormula) {
  Rng rng(53);
  const int64_t window = 2;
  Scope scope(ScopeType::kLocalP, kHidden, window, rng);
  Tensor scores = random_scores(rng);
  Tensor query = random_tensor({kBatch, kHidden}, rng);
  SourceMask source = SourceMask::from_lengths(kLengths, kLength);
  Tensor p = scope.predicted_position(Var(query), source).value();
  Tensor w = scope_weights(scope, Var(scores), Var(query), 0).value();
  const double sigma = window / 2.0;
  for (int64_t b = 0; b < kBatch; ++b) {
    // p_t = S · sigmoid(v_pᵀ tanh(W_p s)) by hand.
    double hidden_dot = 0;
    for (int64_t o = 0; o < kHidden; ++o) {
      double pre = 0;
      for (int64_t k = 0; k < kHidden; ++k)
        pre +=
            double(scope.position_hidden.weight.value()[o * kHidden + k]) * query[b * kHidden + k];
      hidden_dot += double(scope.position_out.weight.value()[o]) * std::tanh(pre);
    }
    const double centre = kLengths[b] / (1.0 + std::exp(-hidden_dot));
    EXPECT_NEAR(p[b], centre, 1e-5);
    double z = 0;
    for (int64_t j = 0; j < kLengths[b]; ++j)
      if (std::abs(j - centre) <= window) z += std::exp(double(scores[b * kLength + j]));
    for (int64_t j = 0; j < kLength; ++j) {
      const bool inside = j < kLengths[b] && std::abs(j - centre) <= window;
      const double expect = inside
                                ? std::exp(double(scores[b * kLength + j])) / z *
                                      std::exp(-(j - centre) * (j - centre) / (2 * sigma * sigma))
                                : 0.0;
      EXPECT_NEAR(w[b * kLength + j], expect, 1e-5) << b << "," << j;
    }
  }
}

// Gradients reach the scores, the decoder state and both position parameters: p_t is
// differentiable through the Gaussian.
TEST(Scopes, LocalPredictiveGradientsReachThePosition) {
  Rng rng(54);
  Scope scope(ScopeType::kLocalP, kHidden, 2, rng);
  Tensor scores = random_scores(rng);
  Tensor query = random_tensor({kBatch, kHidden}, rng);
  // The window edge is a hard cut; keep p_t clear of it so finite differences are smooth.
  Tensor p =
      scope.predicted_position(Var(query), SourceMask::from_lengths(kLengths, kLength)).value();
  for (int64_t b = 0; b < kBatch; ++b) {
    const float fraction = p[b] - std::floor(p[b]);
    ASSERT_GT(fraction, 0.05f);
    ASSERT_LT(fraction, 0.95f);
  }
  GradCheck check;
  check.run("local_p",
            [&](const std::vector<Var>& in) {
              Scope bound = scope;
              bound.position_hidden.weight = in[2];
              bound.position_out.weight = in[3];
              return scope_weights(bound, in[0], in[1], 0);
            },
            {scores, query, scope.position_hidden.weight.value().clone_heap(),
             scope.position_out.weight.value().clone_heap()});
  GradCheck check_gaussian;
  check_gaussian.run("gaussian",
                     [](const std::vector<Var>& in) { return gaussian_weighting(in[0], 5, 1.0f); },
                     {Tensor::from({2, 1}, {1.3f, 3.6f})});
}

TEST(Scopes, MonotonicNeverMovesBackwards) {
  Rng rng(55);
  Scope scope(ScopeType::kMonotonic, kHidden, 0, rng);
  SourceMask source = SourceMask::from_lengths(kLengths, kLength);
  ScopeState state;
  // Step 0 prefers position 3 (row 0) and 2 (row 1); step 1 prefers position 0 everywhere.
  Tensor first = Tensor::from({2, 6}, {0, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0, 0});
  Tensor second = Tensor::from({2, 6}, {5, 0, 0, 0, 1, 0, 5, 0, 0, 0, 0, 0});
  scope.weights(Var(first), Var(), source, state, {});
  EXPECT_EQ(state.previous_position, (std::vector<int32_t>{3, 2}));
  Tensor w = scope.weights(Var(second), Var(), source, state, {}).value();
  for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(w[j], 0.0f) << j;
  for (int64_t j = 0; j < 2; ++j) EXPECT_EQ(w[kLength + j], 0.0f) << j;
  EXPECT_EQ(w[kLength + 4], 0.0f);  // padding
  EXPECT_EQ(state.previous_position, (std::vector<int32_t>{4, 2}));
  EXPECT_EQ(state.step, 2);
  GradCheck check;
  check.run("monotonic",
            [&](const std::vector<Var>& in) {
              return scope_weights(scope, in[0], Var(), 1, {3, 1});
            },
            {random_scores(rng)});
}

TEST(Scopes, HardAttendsToTheArgmaxAtInference) {
  Rng rng(56);
  Scope scope(ScopeType::kHard, kHidden, 0, rng);
  Tensor scores = Tensor::from({2, 6}, {0, 1, 3, 2, 0, 0, 0, 1, 0, 2, 9, 9});
  NoGrad no_grad;
  Tensor w = scope_weights(scope, Var(scores), Var(), 0).value();
  EXPECT_EQ(w.to_vector(), (std::vector<float>{0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0}));
}

// The straight-through estimator's claim: the forward value is the one-hot argmax of
// scores + noise, and the backward pass is the gradient of the relaxation
// softmax((scores + noise) / τ), here written out by hand: dL/da_i = p_i (r_i - Σ_j p_j r_j) / τ.
TEST(Scopes, HardStraightThroughGradientIsTheRelaxedSoftmaxGradient) {
  Rng rng(57);
  const float temperature = 0.5f;
  Tensor scores = random_scores(rng);
  Tensor noise = gumbel_noise({kBatch, kLength}, rng);
  Tensor upstream = random_tensor({kBatch, kLength}, rng);
  SourceMask source = SourceMask::from_lengths(kLengths, kLength);
  Var a(scores.clone_heap(), true);
  Var w = straight_through_gumbel(a, source.additive, noise, temperature);
  Var loss = sum(mul(w, Var(upstream)));
  tape().backward(loss);
  for (int64_t b = 0; b < kBatch; ++b) {
    int64_t best = 0;
    double z = 0, expected_upstream = 0;
    std::vector<double> p(kLength, 0.0);
    for (int64_t j = 0; j < kLengths[b]; ++j) {
      const double x = scores[b * kLength + j] + noise[b * kLength + j];
      if (x > scores[b * kLength + best] + noise[b * kLength + best]) best = j;
      p[j] = std::exp(x / temperature);
      z += p[j];
    }
    for (int64_t j = 0; j < kLengths[b]; ++j) {
      p[j] /= z;
      expected_upstream += p[j] * upstream[b * kLength + j];
    }
    for (int64_t j = 0; j < kLength; ++j) {
      EXPECT_NEAR(w.value()[b * kLength + j], j == best ? 1.0f : 0.0f, 1e-6);
      const double grad = p[j] * (upstream[b * kLength + j] - expected_upstream) / temperature;
      EXPECT_NEAR(a.grad()[b * kLength + j], grad, 1e-5) << b << "," << j;
    }
  }
}

// argmax(a + g) with Gumbel noise is a sample from softmax(a) (the Gumbel-max trick), so the
// hard scope's training forward attends to position j with the soft attention's weight a_j.
TEST(Scopes, HardTrainingSamplesFollowTheSoftmax) {
  Rng rng(58);
  Scope scope(ScopeType::kHard, kHidden, 0, rng);
  Tensor scores = Tensor::from({1, 4}, {0.5f, -1.0f, 1.5f, 0.0f});
  SourceMask source = SourceMask::from_lengths({3}, 4);
  std::vector<double> counts(4, 0.0);
  const int samples = 20000;
  NoGrad no_grad;
  for (int i = 0; i < samples; ++i) {
    ScopeState state;
    Tensor w = scope.weights(Var(scores), Var(), source, state, {true, &rng}).value();
    for (int j = 0; j < 4; ++j) counts[j] += w[j];
  }
  const double z = std::exp(0.5) + std::exp(-1.0) + std::exp(1.5);
  const std::vector<double> expect = {std::exp(0.5) / z, std::exp(-1.0) / z, std::exp(1.5) / z, 0};
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(counts[j] / samples, expect[j], 0.015) << j;
}

TEST(Scopes, ParseNamesAndRejectUnknown) {
  for (ScopeType type : {ScopeType::kGlobal, ScopeType::kLocalM, ScopeType::kLocalP,
                         ScopeType::kHard, ScopeType::kMonotonic})
    EXPECT_EQ(parse_scope(scope_name(type)), type);
  // The flag spelling, and the one older model files store.
  EXPECT_EQ(parse_scope("local-p"), ScopeType::kLocalP);
  EXPECT_EQ(parse_scope("local_p"), ScopeType::kLocalP);
  EXPECT_EQ(parse_scope("local-m"), ScopeType::kLocalM);
  EXPECT_EQ(parse_scope("local_m"), ScopeType::kLocalM);
  EXPECT_THROW(parse_scope("local"), InputError);
}

TEST(Scopes, StateFollowsReorderedRows) {
  ScopeState state;
  state.step = 3;
  state.previous_position = {4, 1};
  ScopeState moved = state.gather_rows({1, 1, 0});
  EXPECT_EQ(moved.step, 3);
  EXPECT_EQ(moved.previous_position, (std::vector<int32_t>{1, 1, 4}));
  SourceMask source = SourceMask::from_lengths({2, 3}, 3).gather_rows({1, 0});
  EXPECT_EQ(source.lengths, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(source.additive[5], -std::numeric_limits<float>::infinity());
}

}  // namespace
}  // namespace attn
