#include "libattn/attention/scorers.h"

#include <cmath>

#include "libattn/core/error.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

constexpr int64_t kBatch = 2, kLength = 3, kHidden = 4, kMaxLength = 5;

const std::vector<ScorerType> kAllScorers = {ScorerType::kDot,      ScorerType::kGeneral,
                                             ScorerType::kConcat,   ScorerType::kScaledDot,
                                             ScorerType::kLocation, ScorerType::kCosine};

// Reads the scorer's parameters back as plain tensors (row-major [out, in]).
double linear64(const Linear& layer, const Tensor& x, int64_t row, int64_t out) {
  const Tensor& w = layer.weight.value();
  const int64_t in = w.dim(1);
  double total = layer.bias.defined() ? layer.bias.value()[out] : 0.0;
  for (int64_t k = 0; k < in; ++k) total += double(w[out * in + k]) * x[row * in + k];
  return total;
}

// Each scorer's formula in float64 for query row b against memory row (b, j): the reference.
double reference_score(const Scorer& s, const Tensor& query, const Tensor& memory, int64_t b,
                       int64_t j) {
  const int64_t h = kHidden;
  const Tensor memory_row = memory.select(0, b).select(0, j).contiguous().view({1, h});
  const Tensor query_row = query.select(0, b).contiguous().view({1, h});
  double dot = 0, qq = 0, mm = 0;
  for (int64_t k = 0; k < h; ++k) {
    dot += double(query_row[k]) * memory_row[k];
    qq += double(query_row[k]) * query_row[k];
    mm += double(memory_row[k]) * memory_row[k];
  }
  switch (s.type) {
    case ScorerType::kDot:
      return dot;
    case ScorerType::kScaledDot:
      return dot / std::sqrt(double(h));
    case ScorerType::kGeneral: {
      double total = 0;  // sᵀ W h
      for (int64_t o = 0; o < h; ++o)
        total += query_row[o] * linear64(s.linear_in, memory_row, 0, o);
      return total;
    }
    case ScorerType::kConcat: {
      double total = 0;  // vᵀ tanh(W1 h + W2 s)
      for (int64_t o = 0; o < h; ++o)
        total +=
            double(s.v.weight.value()[o]) * std::tanh(linear64(s.linear_in, memory_row, 0, o) +
                                                      linear64(s.linear_query, query_row, 0, o));
      return total;
    }
    case ScorerType::kLocation:
      return linear64(s.linear_location, query_row, 0, j);
    case ScorerType::kCosine: {
      const double beta = std::log1p(std::exp(linear64(s.linear_sharpness, query_row, 0, 0)));
      return beta * dot / (std::sqrt(qq) * std::sqrt(mm));
    }
  }
  return 0;
}

TEST(Scorers, ForwardMatchesFloat64Formulas) {
  for (ScorerType type : kAllScorers) {
    Rng rng(41);
    Scorer scorer(type, kHidden, kMaxLength, rng);
    Tensor query = random_tensor({kBatch, kHidden}, rng);
    Tensor memory = random_tensor({kBatch, kLength, kHidden}, rng);
    Tensor scores = scorer.score(Var(query), scorer.keys(Var(memory))).value();
    ASSERT_EQ(scores.shape(), (Shape{kBatch, kLength})) << scorer_name(type);
    for (int64_t b = 0; b < kBatch; ++b)
      for (int64_t j = 0; j < kLength; ++j)
        EXPECT_NEAR(scores[b * kLength + j], reference_score(scorer, query, memory, b, j), 1e-5)
            << scorer_name(type) << " b=" << b << " j=" << j;
  }
}

// Gradients with respect to the query, the memory and every parameter of the scorer.
TEST(Scorers, GradientsForEveryScorer) {
  for (ScorerType type : kAllScorers) {
    Rng rng(42);
    Scorer scorer(type, kHidden, kMaxLength, rng);
    NamedParameters params;
    scorer.collect_parameters("attention", params);
    std::vector<Tensor> inputs = {random_tensor({kBatch, kHidden}, rng),
                                  random_tensor({kBatch, kLength, kHidden}, rng)};
    for (auto& [name, var] : params) inputs.push_back(var.value().clone_heap());
    GradCheck check;
    check.run(
        scorer_name(type),
        [&](const std::vector<Var>& in) {
          // A copy whose parameters are the checked inputs; its Linear layers in declaration
          // order list the parameters in collect_parameters order.
          Scorer bound = scorer;
          std::vector<Var*> slots;
          for (Linear* layer : {&bound.linear_in, &bound.linear_query, &bound.v,
                                &bound.linear_location, &bound.linear_sharpness}) {
            if (layer->weight.defined()) slots.push_back(&layer->weight);
            if (layer->bias.defined()) slots.push_back(&layer->bias);
          }
          EXPECT_EQ(slots.size(), params.size());
          for (size_t i = 0; i < slots.size(); ++i) *slots[i] = in[2 + i];
          return bound.score(in[0], bound.keys(in[1]));
        },
        inputs);
  }
}

TEST(Scorers, ParseNamesAndRejectUnknown) {
  for (ScorerType type : kAllScorers) EXPECT_EQ(parse_scorer(scorer_name(type)), type);
  EXPECT_EQ(parse_scorer("additive"), ScorerType::kConcat);
  EXPECT_EQ(parse_scorer("scaled-dot"), ScorerType::kScaledDot);
  EXPECT_EQ(parse_scorer("scaled_dot"), ScorerType::kScaledDot);  // older model files
  EXPECT_THROW(parse_scorer("bilinear"), InputError);
}

TEST(Scorers, LocationRefusesSourcesLongerThanItsPositions) {
  Rng rng(43);
  Scorer scorer(ScorerType::kLocation, kHidden, 2, rng);
  Tensor memory = random_tensor({1, 3, kHidden}, rng);
  EXPECT_THROW(scorer.score(Var(random_tensor({1, kHidden}, rng)), scorer.keys(Var(memory))),
               InputError);
}

}  // namespace
}  // namespace attn
