// NTM addressing and memory (libattn/attention/ntm_memory.h, circular_shift, softplus): every
// stage gradient-checked, and forward values against hand computations of Graves et al.'s
// equations.
#include "libattn/attention/ntm_memory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "libattn/autograd/circular_shift.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/softplus.h"
#include "libattn/core/error.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

// Rows of positive weights summing to 1, kept away from 0 so sharpen's log is smooth.
Tensor random_weighting(int64_t batch, int64_t slots, Rng& rng) {
  Tensor w = random_tensor({batch, slots}, rng, 0.2f, 1.0f);
  for (int64_t b = 0; b < batch; ++b) {
    double total = 0;
    for (int64_t i = 0; i < slots; ++i) total += w[b * slots + i];
    for (int64_t i = 0; i < slots; ++i)
      w[b * slots + i] = static_cast<float>(w[b * slots + i] / total);
  }
  return w;
}

TEST(NtmMemory, GradientsMatchFiniteDifferences) {
  Rng rng(61);
  GradCheck check;
  const int64_t b = 2, n = 5, m = 3;
  check.run("softplus", [](const std::vector<Var>& in) { return softplus(in[0]); },
            {random_tensor({3, 4}, rng, -4.0f, 4.0f)});
  check.run("circular_shift",
            [](const std::vector<Var>& in) { return circular_shift(in[0], in[1]); },
            {random_weighting(b, n, rng), random_weighting(b, 3, rng)});
  check.run("circular_shift-radius-2",
            [](const std::vector<Var>& in) { return circular_shift(in[0], in[1]); },
            {random_weighting(b, n, rng), random_weighting(b, 5, rng)});
  check.run("content_addressing",
            [](const std::vector<Var>& in) { return content_addressing(in[0], in[1], in[2]); },
            {random_tensor({b, n, m}, rng), random_tensor({b, m}, rng),
             random_tensor({b, 1}, rng, 0.5f, 3.0f)});
  check.run("interpolate",
            [](const std::vector<Var>& in) { return interpolate(in[0], in[1], in[2]); },
            {random_weighting(b, n, rng), random_weighting(b, n, rng),
             random_tensor({b, 1}, rng, 0.1f, 0.9f)});
  check.run("sharpen", [](const std::vector<Var>& in) { return sharpen(in[0], in[1]); },
            {random_weighting(b, n, rng), random_tensor({b, 1}, rng, 1.0f, 3.0f)});
  check.run("read_memory", [](const std::vector<Var>& in) { return read_memory(in[0], in[1]); },
            {random_tensor({b, n, m}, rng), random_weighting(b, n, rng)});
  check.run(
      "write_memory-two-heads",
      [](const std::vector<Var>& in) {
        return write_memory(in[0], {in[1], in[2]}, {in[3], in[4]}, {in[5], in[6]});
      },
      {random_tensor({b, n, m}, rng), random_weighting(b, n, rng), random_weighting(b, n, rng),
       random_tensor({b, m}, rng, 0.0f, 1.0f), random_tensor({b, m}, rng, 0.0f, 1.0f),
       random_tensor({b, m}, rng), random_tensor({b, m}, rng)});
  // The whole chain from a controller output through a head's projection.
  Rng init(62);
  const NtmHead head(NtmHeadKind::kWrite, 4, m, 1, init);
  check.run(
      "address-through-head",
      [&head](const std::vector<Var>& in) { return address(in[0], in[1], head.emit(in[2])); },
      {random_tensor({b, n, m}, rng), random_weighting(b, n, rng), random_tensor({b, 4}, rng)});
}

TEST(NtmMemory, CircularShiftMovesAndWraps) {
  // s = (0, 0, 1): offset +1, every weight one slot forward; the last wraps to the first.
  const Tensor w = Tensor::from({1, 4}, {0.1f, 0.2f, 0.3f, 0.4f});
  Tensor out = circular_shift(Var(w), Var(Tensor::from({1, 3}, {0, 0, 1}))).value();
  EXPECT_EQ(out.to_vector(), (std::vector<float>{0.4f, 0.1f, 0.2f, 0.3f}));
  out = circular_shift(Var(w), Var(Tensor::from({1, 3}, {1, 0, 0}))).value();
  EXPECT_EQ(out.to_vector(), (std::vector<float>{0.2f, 0.3f, 0.4f, 0.1f}));
  // A spread shift blurs: 0.5 stay + 0.5 forward.
  out = circular_shift(Var(Tensor::from({1, 4}, {1, 0, 0, 0})),
                       Var(Tensor::from({1, 3}, {0, 0.5f, 0.5f})))
            .value();
  EXPECT_EQ(out.to_vector(), (std::vector<float>{0.5f, 0.5f, 0, 0}));
  EXPECT_THROW(circular_shift(Var(w), Var(Tensor::from({1, 2}, {0.5f, 0.5f}))), Error);  // even
  EXPECT_THROW(circular_shift(Var(w), Var(Tensor::zeros({1, 5}))), Error);  // wider than N
}

TEST(NtmMemory, AddressingStagesMatchHandComputation) {
  // Content: memory rows (1, 0), (0, 1), (1, 1); key (1, 0); β = 2.
  const Var memory(Tensor::from({1, 3, 2}, {1, 0, 0, 1, 1, 1}));
  const Tensor content =
      content_addressing(memory, Var(Tensor::from({1, 2}, {1, 0})), Var(Tensor::from({1, 1}, {2})))
          .value();
  const double e0 = std::exp(2.0), e1 = 1.0, e2 = std::exp(2.0 / std::sqrt(2.0));
  const double z = e0 + e1 + e2;
  EXPECT_NEAR(content[0], e0 / z, 1e-6);
  EXPECT_NEAR(content[1], e1 / z, 1e-6);
  EXPECT_NEAR(content[2], e2 / z, 1e-6);
  // Interpolation: g = 0.25 keeps three quarters of the previous weighting.
  const Tensor gated =
      interpolate(Var(Tensor::from({1, 2}, {1, 0})), Var(Tensor::from({1, 2}, {0, 1})),
                  Var(Tensor::from({1, 1}, {0.25f})))
          .value();
  EXPECT_NEAR(gated[0], 0.25, 1e-7);
  EXPECT_NEAR(gated[1], 0.75, 1e-7);
  // Sharpening: γ = 2 on (0.25, 0.75) gives (1/16, 9/16) / (10/16).
  const Tensor sharp =
      sharpen(Var(Tensor::from({1, 2}, {0.25f, 0.75f})), Var(Tensor::from({1, 1}, {2}))).value();
  EXPECT_NEAR(sharp[0], 0.1, 1e-5);
  EXPECT_NEAR(sharp[1], 0.9, 1e-5);
  // γ = 1 leaves a weighting as it was.
  const Tensor same =
      sharpen(Var(Tensor::from({1, 2}, {0.25f, 0.75f})), Var(Tensor::from({1, 1}, {1}))).value();
  EXPECT_NEAR(same[0], 0.25, 1e-5);
}

TEST(NtmMemory, WriteErasesThenAddsAndReadFollowsTheWeighting) {
  // Two slots of width 2, all ones. Write fully on slot 1: erase (1, 0.5), add (3, 4).
  const Var memory(Tensor::full({1, 2, 2}, 1.0f));
  const Tensor written =
      write_memory(memory, {Var(Tensor::from({1, 2}, {0, 1}))},
                   {Var(Tensor::from({1, 2}, {1, 0.5f}))}, {Var(Tensor::from({1, 2}, {3, 4}))})
          .value();
  EXPECT_EQ(written.to_vector(), (std::vector<float>{1, 1, 3, 4.5f}));
  // Two heads: the erase products apply before either add (Graves et al. eq. 3-4), so a
  // second head's full erase cannot remove the first head's add.
  const Tensor both =
      write_memory(memory, {Var(Tensor::from({1, 2}, {1, 0})), Var(Tensor::from({1, 2}, {1, 0}))},
                   {Var(Tensor::from({1, 2}, {0, 0})), Var(Tensor::from({1, 2}, {1, 1}))},
                   {Var(Tensor::from({1, 2}, {2, 2})), Var(Tensor::from({1, 2}, {0, 0}))})
          .value();
  EXPECT_EQ(both.to_vector(), (std::vector<float>{2, 2, 1, 1}));
  const Tensor read = read_memory(Var(written), Var(Tensor::from({1, 2}, {0.5f, 0.5f}))).value();
  EXPECT_EQ(read.to_vector(), (std::vector<float>{2, 2.75f}));
}

TEST(NtmMemory, HeadParametersStayInTheirRanges) {
  Rng rng(63);
  const NtmHead head(NtmHeadKind::kWrite, 6, 4, 2, rng);
  const NtmHeadParameters p = head.emit(Var(random_tensor({3, 6}, rng, -5.0f, 5.0f)));
  EXPECT_EQ(p.key.shape(), (Shape{3, 4}));
  EXPECT_EQ(p.shift.shape(), (Shape{3, 5}));
  for (int64_t b = 0; b < 3; ++b) {
    EXPECT_GE(p.strength.value()[b], 0.0f);
    EXPECT_GT(p.gate.value()[b], 0.0f);
    EXPECT_LT(p.gate.value()[b], 1.0f);
    EXPECT_GE(p.sharpness.value()[b], 1.0f);
    double total = 0;
    for (int64_t k = 0; k < 5; ++k) total += p.shift.value()[b * 5 + k];
    EXPECT_NEAR(total, 1.0, 1e-6);
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_GT(p.erase.value()[b * 4 + i], 0.0f);
      EXPECT_LT(p.erase.value()[b * 4 + i], 1.0f);
    }
  }
  const NtmHead reader(NtmHeadKind::kRead, 6, 4, 1, rng);
  EXPECT_FALSE(reader.emit(Var(random_tensor({1, 6}, rng))).erase.defined());
  EXPECT_EQ(reader.projection.out_features(), 4 + 3 + 3);
}

}  // namespace
}  // namespace attn
