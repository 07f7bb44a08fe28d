// Ops part B: one gradient-check table over embedding, gather, cross_entropy, cosine,
// causal_conv1d, fused attention, additive scores, GRU gates and linear, then forward checks against float64
// references.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "libattn/autograd/additive_scores.h"
#include "libattn/autograd/attention.h"
#include "libattn/autograd/conv1d.h"
#include "libattn/autograd/cosine.h"
#include "libattn/autograd/cross_entropy.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/gru_gates.h"
#include "libattn/autograd/linear.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/tape.h"
#include "libattn/autograd/matmul.h"
#include "libattn/core/error.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

constexpr float kInf = std::numeric_limits<float>::infinity();

struct GradCase {
  std::string name;
  GradCheck::Fn fn;
  std::vector<Tensor> inputs;
};

Tensor causal_mask(int64_t t, int64_t s) {
  Tensor m = Tensor::zeros_heap({t, s});
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = i + 1; j < s; ++j) m[i * s + j] = -kInf;
  return m;
}

// Example b of [B, 1, 1, S] keeps its first lengths[b] source positions.
Tensor padding_mask(const std::vector<int64_t>& lengths, int64_t s) {
  const int64_t b = static_cast<int64_t>(lengths.size());
  Tensor m = Tensor::zeros_heap({b, 1, 1, s});
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = lengths[i]; j < s; ++j) m[i * s + j] = -kInf;
  return m;
}

std::vector<GradCase> grad_cases() {
  Rng rng(2024);
  std::vector<GradCase> cases;
  const Tensor ids = Tensor::from_ints({2, 3}, {0, 2, 2, 4, 0, 1});  // repeated ids
  cases.push_back({"embedding-repeated-ids",
                   [ids](const std::vector<Var>& in) { return embedding(in[0], ids); },
                   {random_tensor({5, 3}, rng)}});
  const Tensor index = Tensor::from_ints({2, 3, 2}, {0, 3, 3, 3, 1, 2, 2, 0, 1, 1, 3, 0});
  cases.push_back({"gather-last-axis",
                   [index](const std::vector<Var>& in) { return gather(in[0], index); },
                   {random_tensor({2, 3, 4}, rng)}});

  const Tensor targets = Tensor::from_ints({5}, {1, 0, 4, 2, 3});
  cases.push_back(
      {"cross-entropy",
       [targets](const std::vector<Var>& in) { return cross_entropy(in[0], targets).loss; },
       {random_tensor({5, 5}, rng, -2, 2)}});
  const Tensor padded = Tensor::from_ints({5}, {1, 0, 4, 0, 3});  // 0 = padding
  cases.push_back({"cross-entropy-smoothed-ignored",
                   [padded](const std::vector<Var>& in) {
                     CrossEntropyOptions options;
                     options.label_smoothing = 0.2f;
                     options.ignore_index = 0;
                     return cross_entropy(in[0], padded, options).loss;
                   },
                   {random_tensor({5, 5}, rng, -2, 2)}});
  const Tensor targets_3d = Tensor::from_ints({2, 2}, {1, -1, 3, 0});
  cases.push_back({"cross-entropy-rank3-smoothed",
                   [targets_3d](const std::vector<Var>& in) {
                     CrossEntropyOptions options;
                     options.label_smoothing = 0.1f;
                     return cross_entropy(in[0], targets_3d, options).loss;
                   },
                   {random_tensor({2, 2, 4}, rng, -2, 2)}});

  cases.push_back({"cosine-same-shape",
                   [](const std::vector<Var>& in) { return cosine_similarity(in[0], in[1]); },
                   {random_tensor({3, 4}, rng), random_tensor({3, 4}, rng)}});
  cases.push_back({"cosine-key-vs-memory",  // NTM: [B, 1, D] against [B, N, D]
                   [](const std::vector<Var>& in) { return cosine_similarity(in[0], in[1]); },
                   {random_tensor({2, 1, 4}, rng), random_tensor({2, 3, 4}, rng)}});
  cases.push_back({"cosine-shared-rows",  // [B, N, D] against [N, D]
                   [](const std::vector<Var>& in) { return cosine_similarity(in[0], in[1]); },
                   {random_tensor({2, 3, 4}, rng), random_tensor({3, 4}, rng)}});

  for (int taps : {2, 3})
    for (int dilation : {1, 2})
      cases.push_back({"causal-conv1d-K" + std::to_string(taps) + "-d" + std::to_string(dilation),
                       [dilation](const std::vector<Var>& in) {
                         return causal_conv1d(in[0], in[1], in[2], dilation);
                       },
                       {random_tensor({2, 5, 3}, rng), random_tensor({4, 3, taps}, rng),
                        random_tensor({4}, rng)}});
  cases.push_back({"causal-conv1d-no-bias",
                   [](const std::vector<Var>& in) { return causal_conv1d(in[0], in[1], Var(), 1); },
                   {random_tensor({1, 4, 2}, rng), random_tensor({3, 2, 2}, rng)}});

  const std::vector<std::pair<std::string, Tensor>> masks = {
      {"no-mask", Tensor()},
      {"causal", causal_mask(4, 4)},
      {"padding", padding_mask({4, 2}, 4)},
  };
  for (const auto& [mask_name, mask] : masks)
    cases.push_back({"attention-" + mask_name,
                     [mask = mask](const std::vector<Var>& in) {
                       return scaled_dot_product_attention(in[0], in[1], in[2], mask, 0.5f);
                     },
                     {random_tensor({2, 2, 4, 3}, rng), random_tensor({2, 2, 4, 3}, rng),
                      random_tensor({2, 2, 4, 2}, rng)}});
  cases.push_back({"additive-scores",
                   [](const std::vector<Var>& in) { return additive_scores(in[0], in[1], in[2]); },
                   {random_tensor({2, 3, 4}, rng), random_tensor({2, 4}, rng),
                    random_tensor({1, 4}, rng)}});
  cases.push_back({"gru-gates",
                   [](const std::vector<Var>& in) { return gru_gates(in[0], in[1], in[2]); },
                   {random_tensor({2, 9}, rng, -2, 2), random_tensor({2, 9}, rng, -2, 2),
                    random_tensor({2, 3}, rng)}});
  cases.push_back({"linear",
                   [](const std::vector<Var>& in) { return linear(in[0], in[1], in[2]); },
                   {random_tensor({2, 3, 4}, rng), random_tensor({5, 4}, rng),
                    random_tensor({5}, rng)}});
  return cases;
}

TEST(OpsB, GradientsMatchFiniteDifferences) {
  GradCheck check;
  for (const GradCase& c : grad_cases()) {
    SCOPED_TRACE(c.name);
    check.run(c.name, c.fn, c.inputs);
  }
}

TEST(Embedding, GathersRowsAndRejectsOutOfRange) {
  Tensor table = Tensor::from({3, 2}, {0, 1, 10, 11, 20, 21});
  Var e = embedding(Var(table), Tensor::from_ints({2, 2}, {2, 0, 1, 2}));
  EXPECT_EQ(e.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(e.value().to_vector(), (std::vector<float>{20, 21, 0, 1, 10, 11, 20, 21}));
  try {
    embedding(Var(table), Tensor::from_ints({2}, {1, 3}));
    FAIL() << "an id equal to V must throw";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("id 3"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("[0, 3)"), std::string::npos) << error.what();
  }
  EXPECT_THROW(embedding(Var(table), Tensor::from_ints({1}, {-1})), Error);
}

TEST(Gather, PicksAlongLastAxis) {
  Tensor x = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Var g = gather(Var(x), Tensor::from_ints({2, 2}, {2, 2, 0, 1}));
  EXPECT_EQ(g.value().to_vector(), (std::vector<float>{3, 3, 4, 5}));
  EXPECT_THROW(gather(Var(x), Tensor::from_ints({2, 1}, {3, 0})), Error);
}

// float64 reference: log-softmax by definition, then the smoothed loss of the header.
TEST(CrossEntropy, MatchesFloat64Reference) {
  const int64_t n = 4, v = 3;
  const std::vector<float> logits = {2.0f, 1.0f, 0.1f, 0.5f, 2.5f, -1.0f,
                                     1.0f, 1.0f, 3.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<int32_t> targets = {0, 2, 9, 1};  // 9 is ignored
  const double eps = 0.1;
  double loss = 0, nll = 0;
  int64_t correct = 0, tokens = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (targets[i] == 9) continue;
    double z = 0;
    for (int64_t j = 0; j < v; ++j) z += std::exp(double(logits[i * v + j]));
    double sum_logp = 0;
    for (int64_t j = 0; j < v; ++j) sum_logp += logits[i * v + j] - std::log(z);
    const double logp_gold = logits[i * v + targets[i]] - std::log(z);
    loss += -(1 - eps) * logp_gold - eps / v * sum_logp;
    nll += -logp_gold;
    ++tokens;
  }
  correct = 1;  // row 0 argmax 0 == gold 0; row 1 argmax 1 != 2; row 3 ties -> index 0 != 1
  CrossEntropyOptions options;
  options.label_smoothing = 0.1f;
  options.ignore_index = 9;
  CrossEntropyResult r =
      cross_entropy(Var(Tensor::from({n, v}, logits)), Tensor::from_ints({n}, targets), options);
  EXPECT_NEAR(r.loss.value().item(), loss / tokens, 1e-5);
  EXPECT_NEAR(r.nll_sum, nll, 1e-5);
  EXPECT_EQ(r.tokens, 3);
  EXPECT_EQ(r.correct, correct);
}

TEST(CrossEntropy, StableForHugeLogitsAndRejectsBadTargets) {
  CrossEntropyResult r =
      cross_entropy(Var(Tensor::from({1, 2}, {1000.0f, 0.0f})), Tensor::from_ints({1}, {1}));
  EXPECT_NEAR(r.loss.value().item(), 1000.0f, 1e-3);
  CrossEntropyResult none =
      cross_entropy(Var(Tensor::from({1, 2}, {1.0f, 0.0f}), true), Tensor::from_ints({1}, {-1}));
  EXPECT_EQ(none.tokens, 0);
  EXPECT_EQ(none.loss.value().item(), 0.0f);
  tape().clear();
  EXPECT_THROW(cross_entropy(Var(Tensor::from({1, 2}, {0, 0})), Tensor::from_ints({1}, {2})),
               Error);
}

TEST(Cosine, HandValuesAndBroadcastShape) {
  Var a(Tensor::from({2}, {1, 0}));
  Var b(Tensor::from({3, 2}, {1, 1, 0, 2, -3, 0}));
  Var c = cosine_similarity(a, b);
  EXPECT_EQ(c.shape(), (Shape{3}));
  EXPECT_NEAR(c.value()[0], 1.0 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(c.value()[1], 0.0, 1e-6);
  EXPECT_NEAR(c.value()[2], -1.0, 1e-6);
  Var key(Tensor::zeros({2, 1, 4})), memory(Tensor::zeros({2, 5, 4}));
  EXPECT_EQ(cosine_similarity(key, memory).shape(), (Shape{2, 5}));
  EXPECT_EQ(cosine_similarity(key, memory).value()[0], 0.0f);  // zero vectors: 0, not NaN
  EXPECT_THROW(cosine_similarity(Var(Tensor::zeros({2, 4})), memory), Error);
}

double naive_conv(const Tensor& x, const Tensor& w, const Tensor& bias, int dilation, int64_t b,
                  int64_t t, int64_t o) {
  const int64_t time = x.dim(1), c_count = x.dim(2), taps = w.dim(2);
  double y = bias[o];
  for (int64_t c = 0; c < c_count; ++c)
    for (int64_t j = 0; j < taps; ++j) {
      const int64_t source = t - (taps - 1 - j) * dilation;
      if (source >= 0)
        y += double(w[(o * c_count + c) * taps + j]) * x[(b * time + source) * c_count + c];
    }
  return y;
}

TEST(CausalConv1d, MatchesNaiveAndNeverLooksAhead) {
  Rng rng(5);
  const int64_t batch = 2, time = 7, channels = 3, out_channels = 2;
  for (int dilation : {1, 2}) {
    Tensor x = random_tensor({batch, time, channels}, rng);
    Tensor w = random_tensor({out_channels, channels, 3}, rng);
    Tensor bias = random_tensor({out_channels}, rng);
    Tensor y = causal_conv1d(Var(x), Var(w), Var(bias), dilation).value();
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < time; ++t)
        for (int64_t o = 0; o < out_channels; ++o)
          EXPECT_NEAR(y[(b * time + t) * out_channels + o],
                      naive_conv(x, w, bias, dilation, b, t, o), 1e-5);
    for (int64_t t = 0; t + 1 < time; ++t) {
      Tensor changed = x.clone_heap();
      for (int64_t c = 0; c < channels; ++c) changed[(0 * time + t + 1) * channels + c] += 5.0f;
      Tensor y2 = causal_conv1d(Var(changed), Var(w), Var(bias), dilation).value();
      for (int64_t s = 0; s <= t; ++s)
        for (int64_t o = 0; o < out_channels; ++o)
          EXPECT_EQ(y2[s * out_channels + o], y[s * out_channels + o]) << "t " << t << " s " << s;
      float moved = 0;
      for (int64_t o = 0; o < out_channels; ++o)
        moved += std::abs(y2[(t + 1) * out_channels + o] - y[(t + 1) * out_channels + o]);
      EXPECT_GT(moved, 0.0f);
    }
  }
}

// Naive float64 attention: mask given as a function of (b, h, t, s).
template <typename MaskFn>
std::vector<double> naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                                    MaskFn mask_at, std::vector<double>* probs) {
  const int64_t bs = q.dim(0), hs = q.dim(1), ts = q.dim(2), e = q.dim(3), ss = k.dim(2),
                f = v.dim(3);
  std::vector<double> out(bs * hs * ts * f, 0.0);
  probs->assign(bs * hs * ts * ss, 0.0);
  for (int64_t b = 0; b < bs; ++b)
    for (int64_t h = 0; h < hs; ++h)
      for (int64_t t = 0; t < ts; ++t) {
        const int64_t bh = b * hs + h;
        std::vector<double> score(ss);
        double max = -kInf;
        for (int64_t s = 0; s < ss; ++s) {
          double dot = 0;
          for (int64_t i = 0; i < e; ++i)
            dot += double(q[(bh * ts + t) * e + i]) * k[(bh * ss + s) * e + i];
          score[s] = dot * scale + mask_at(b, h, t, s);
          max = std::max(max, score[s]);
        }
        if (max == -kInf) continue;  // fully masked: zeros
        double z = 0;
        for (int64_t s = 0; s < ss; ++s) z += std::exp(score[s] - max);
        for (int64_t s = 0; s < ss; ++s) {
          const double p = std::exp(score[s] - max) / z;
          (*probs)[(bh * ts + t) * ss + s] = p;
          for (int64_t j = 0; j < f; ++j)
            out[(bh * ts + t) * f + j] += p * v[(bh * ss + s) * f + j];
        }
      }
  return out;
}

TEST(Attention, MatchesNaiveFloat64ForEveryMaskShape) {
  Rng rng(11);
  const int64_t b = 2, h = 3, t = 4, s = 5, e = 6, f = 3;
  Tensor q = random_tensor({b, h, t, e}, rng), k = random_tensor({b, h, s, e}, rng),
         v = random_tensor({b, h, s, f}, rng);
  Tensor full = random_tensor({b, h, t, s}, rng, -2, 0);
  full[7] = -kInf;
  Tensor per_example = random_tensor({b, 1, t, s}, rng, -1, 0);
  struct MaskCase {
    std::string name;
    Tensor mask;
    std::function<double(int64_t, int64_t, int64_t, int64_t)> at;
  };
  const std::vector<MaskCase> mask_cases = {
      {"none", Tensor(), [](int64_t, int64_t, int64_t, int64_t) { return 0.0; }},
      {"causal", causal_mask(t, s),
       [](int64_t, int64_t, int64_t ti, int64_t si) { return si > ti ? -kInf : 0.0; }},
      {"padding", padding_mask({3, 5}, s),
       [](int64_t bi, int64_t, int64_t, int64_t si) { return bi == 0 && si >= 3 ? -kInf : 0.0; }},
      {"per-example", per_example,
       [&](int64_t bi, int64_t, int64_t ti, int64_t si) {
         return double(per_example[(bi * t + ti) * s + si]);
       }},
      {"full", full,
       [&](int64_t bi, int64_t hi, int64_t ti, int64_t si) {
         return double(full[((bi * h + hi) * t + ti) * s + si]);
       }},
  };
  const float scale = 1.0f / std::sqrt(float(e));
  for (const MaskCase& mc : mask_cases) {
    SCOPED_TRACE(mc.name);
    Tensor weights;
    Tensor out =
        scaled_dot_product_attention(Var(q), Var(k), Var(v), mc.mask, scale, &weights).value();
    std::vector<double> probs;
    std::vector<double> expect = naive_attention(q, k, v, scale, mc.at, &probs);
    ASSERT_EQ(out.shape(), (Shape{b, h, t, f}));
    ASSERT_EQ(weights.shape(), (Shape{b, h, t, s}));
    for (size_t i = 0; i < expect.size(); ++i) EXPECT_NEAR(out[i], expect[i], 1e-5) << i;
    for (size_t i = 0; i < probs.size(); ++i) EXPECT_NEAR(weights[i], probs[i], 1e-6) << i;
  }
}

TEST(Attention, FullyMaskedRowGivesZerosAndFiniteGradients) {
  Rng rng(12);
  Var q(random_tensor({1, 1, 2, 3}, rng), true), k(random_tensor({1, 1, 3, 3}, rng), true),
      v(random_tensor({1, 1, 3, 2}, rng), true);
  Tensor mask = Tensor::zeros_heap({2, 3});
  for (int j = 0; j < 3; ++j) mask[j] = -kInf;  // query 0 may look nowhere
  Tensor weights;
  Var out = scaled_dot_product_attention(q, k, v, mask, 1.0f, &weights);
  EXPECT_EQ(out.value()[0], 0.0f);
  EXPECT_EQ(out.value()[1], 0.0f);
  EXPECT_EQ(weights[0] + weights[1] + weights[2], 0.0f);
  EXPECT_NEAR(weights[3] + weights[4] + weights[5], 1.0f, 1e-6);
  out.grad().fill(1.0f);
  Var root(Tensor::zeros_heap({1}), true);
  tape().backward(root);
  for (const Var* x : {&q, &k, &v})
    for (float g : x->grad().to_vector()) EXPECT_TRUE(std::isfinite(g));
  EXPECT_EQ(q.grad()[0], 0.0f);  // the blind query gets no gradient
  EXPECT_THROW(scaled_dot_product_attention(q, k, v, Tensor::zeros_heap({2, 4}), 1.0f), Error);
  tape().clear();
}

// linear() promises the bits of the chain it replaces, forward and backward.
TEST(Linear, SameBitsAsMatmulThenAdd) {
  Rng rng(15);
  const Tensor x = random_tensor({3, 7, 40}, rng), w = random_tensor({33, 40}, rng),
               b = random_tensor({33}, rng), g = random_tensor({3, 7, 33}, rng);
  std::vector<std::vector<float>> results[2];
  for (int fused = 0; fused < 2; ++fused) {
    Var xv(x.clone_heap(), true), wv(w.clone_heap(), true), bv(b.clone_heap(), true);
    Var y = fused ? linear(xv, wv, bv) : add(matmul(xv, wv, false, true), bv);
    tape().backward(sum(mul(y, Var(g))));
    results[fused] = {y.value().to_vector(), xv.grad().to_vector(), wv.grad().to_vector(),
                      bv.grad().to_vector()};
  }
  for (int i = 0; i < 4; ++i) EXPECT_EQ(results[0][i], results[1][i]) << "output " << i;
}

TEST(GruGates, MatchesNaiveFloat64) {
  Rng rng(14);
  const int64_t b = 3, h = 21;
  const Tensor gx = random_tensor({b, 3 * h}, rng, -3, 3), gh = random_tensor({b, 3 * h}, rng, -3, 3),
               state = random_tensor({b, h}, rng);
  const Tensor out = gru_gates(Var(gx), Var(gh), Var(state)).value();
  ASSERT_EQ(out.shape(), (Shape{b, h}));
  auto sigmoid = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < h; ++j) {
      auto x = [&](int64_t gate) { return double(gx[i * 3 * h + gate * h + j]); };
      auto g = [&](int64_t gate) { return double(gh[i * 3 * h + gate * h + j]); };
      const double r = sigmoid(x(0) + g(0)), z = sigmoid(x(1) + g(1));
      const double n = std::tanh(x(2) + r * g(2));
      EXPECT_NEAR(out[i * h + j], (1 - z) * n + z * double(state[i * h + j]), 1e-5) << i << "," << j;
    }
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

TEST(AdditiveScores, MatchesNaiveFloat64) {
  Rng rng(13);
  const int64_t b = 3, s = 5, a = 37;  // a not a multiple of the row kernels' 16 lanes
  const Tensor keys = random_tensor({b, s, a}, rng, -2, 2), query = random_tensor({b, a}, rng, -2, 2),
               v = random_tensor({1, a}, rng);
  const Tensor out = additive_scores(Var(keys), Var(query), Var(v)).value();
  ASSERT_EQ(out.shape(), (Shape{b, s}));
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < s; ++j) {
      double expect = 0;
      for (int64_t k = 0; k < a; ++k)
        expect += double(v[k]) * std::tanh(double(keys[(i * s + j) * a + k]) + double(query[i * a + k]));
      EXPECT_NEAR(out[i * s + j], expect, 1e-5) << i << "," << j;
    }
}

}  // namespace
}  // namespace attn
