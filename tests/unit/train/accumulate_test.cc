#include <gtest/gtest.h>

#include <cmath>

#include "libattn/models/transformer.h"
#include "libattn/train/distributed.h"
#include "libattn/train/train_step.h"

namespace attn {
namespace {

TransformerConfig small_config() {
  TransformerConfig config;
  config.src_vocab = config.tgt_vocab = 20;
  config.d_model = 16;
  config.heads = 2;
  config.ffn = 32;
  config.encoder_layers = config.decoder_layers = 1;
  config.dropout = 0.0f;  // the same masks could not be drawn in two different orders
  return config;
}

// Rows of ids in [4, 20), each row padded (id 0) after `lengths[r]` tokens.
Tensor padded_ids(Rng& rng, const std::vector<int64_t>& lengths, int64_t cols) {
  const auto rows = static_cast<int64_t>(lengths.size());
  Tensor t = Tensor::zeros_heap({rows, cols}, DType::kI32);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < lengths[r]; ++c) t.ints()[r * cols + c] = 4 + static_cast<int32_t>(rng.below(16));
  return t;
}

// Stacks two batches' rows: [B1, L] and [B2, L] -> [B1 + B2, L].
Tensor stack_rows(const Tensor& a, const Tensor& b) {
  Tensor t = Tensor::zeros_heap({a.dim(0) + b.dim(0), a.dim(1)}, DType::kI32);
  std::copy(a.ints(), a.ints() + a.numel(), t.ints());
  std::copy(b.ints(), b.ints() + b.numel(), t.ints() + a.numel());
  return t;
}

std::vector<float> flat_parameters(Seq2SeqModel& model, bool gradients) {
  std::vector<float> out;
  for (const auto& [name, var] : model.parameters()) {
    const Tensor& t = gradients ? var.grad() : var.value();
    out.insert(out.end(), t.data(), t.data() + t.numel());
  }
  return out;
}

// Two half batches with very different token counts (6 and 18 targets), accumulated into one
// update, must equal one update on their union: the loss of a step is the mean over all its
// target tokens, not the mean of the two batches' means (which would weigh the short batch's
// tokens three times as much).
TEST(Accumulate, TwoHalfBatchesEqualOneStepOnTheirUnion) {
  Rng data(5);
  Batch first, second;
  first.source = padded_ids(data, {7, 3}, 7);
  first.target_in = padded_ids(data, {2, 4}, 6);
  first.target_out = padded_ids(data, {2, 4}, 6);
  second.source = padded_ids(data, {5, 7, 6}, 7);
  second.target_in = padded_ids(data, {6, 6, 5}, 6);
  second.target_out = padded_ids(data, {6, 6, 6}, 6);
  const Tensor union_source = stack_rows(first.source, second.source);
  const Tensor union_in = stack_rows(first.target_in, second.target_in);
  const Tensor union_out = stack_rows(first.target_out, second.target_out);

  Rng init_a(9), init_b(9);
  Transformer accumulated(small_config(), init_a), whole(small_config(), init_b);
  // Some gradients are zero in exact arithmetic (a key projection's bias: softmax ignores a
  // shift) and rounding noise of 1e-10 in float; Adam's first steps divide by |g| + eps, so
  // with eps 1e-8 that noise alone would move such a parameter by a sizeable share of lr in
  // either direction. eps 1e-4 keeps the comparison about the gradients, which are ~1e-3
  // and up.
  AdamOptions adam;
  adam.eps = 1e-4f;
  Adam adam_accumulated(accumulated.parameters(), adam), adam_whole(whole.parameters(), adam);
  const LrSchedule schedule{LrScheduleKind::kConstant, 1e-2f, 0, 0};
  // Clipping on (it acts on the summed gradient) and label smoothing on.
  const StepOptions options{0.1f, 0.5f};
  Rng rng_a(1), rng_b(1);
  Arena arena;
  for (int step = 0; step < 3; ++step) {
    const StepStats a = train_step(accumulated, adam_accumulated, schedule, {first, second}, options,
                                   rng_a, arena, single_process());
    const StepStats b = train_step(whole, adam_whole, schedule, union_source, union_in, union_out,
                                   options, rng_b, arena);
    ASSERT_EQ(a.tokens, 24);
    ASSERT_EQ(a.tokens, b.tokens);
    EXPECT_NEAR(a.loss, b.loss, 1e-5 * std::abs(b.loss)) << "step " << step;
    EXPECT_NEAR(a.nll_sum, b.nll_sum, 1e-5 * std::abs(b.nll_sum)) << "step " << step;
    EXPECT_EQ(a.correct, b.correct) << "step " << step;
    EXPECT_NEAR(a.grad_norm, b.grad_norm, 1e-5 * b.grad_norm) << "step " << step;
    // The (clipped) gradients themselves, then the parameters they moved.
    const auto grad_a = flat_parameters(accumulated, true), grad_b = flat_parameters(whole, true);
    ASSERT_EQ(grad_a.size(), grad_b.size());
    for (size_t i = 0; i < grad_a.size(); ++i)
      ASSERT_NEAR(grad_a[i], grad_b[i], 1e-6f + 1e-4f * std::abs(grad_b[i])) << "gradient " << i;
    const auto param_a = flat_parameters(accumulated, false), param_b = flat_parameters(whole, false);
    for (size_t i = 0; i < param_a.size(); ++i)
      ASSERT_NEAR(param_a[i], param_b[i], 1e-5f) << "parameter " << i << " after step " << step;
  }
}

// Stands in for N ranks that hold the same gradients: each sum multiplies by N. Records the
// size of every call, to see the buckets.
class IdenticalRanks : public SingleProcess {
 public:
  explicit IdenticalRanks(int ranks) : ranks_(ranks) {}
  int size() const override { return ranks_; }
  void sum(float* values, int64_t count) override {
    calls.push_back(count);
    for (int64_t i = 0; i < count; ++i) values[i] *= static_cast<float>(ranks_);
  }
  void sum(double* values, int64_t count) override {
    for (int64_t i = 0; i < count; ++i) values[i] *= ranks_;
  }
  std::vector<int64_t> calls;

 private:
  int ranks_;
};

TEST(Accumulate, GradientBucketsCoverEveryGradientOnceAndKeepUnusedParametersUnset) {
  std::vector<std::pair<std::string, Var>> parameters;
  const std::vector<int64_t> sizes = {3, 10, 1, 25, 4};
  for (size_t p = 0; p < sizes.size(); ++p) {
    Var v = Var::parameter(Tensor::zeros_heap({sizes[p]}));
    if (p != 2) {  // parameter 2 got no gradient this step, anywhere
      for (int64_t i = 0; i < sizes[p]; ++i) v.grad().data()[i] = static_cast<float>(100 * p + i);
    }
    parameters.emplace_back("p" + std::to_string(p), v);
  }
  IdenticalRanks world(3);
  sum_gradients(world, parameters, /*bucket_floats=*/8);
  for (size_t p = 0; p < sizes.size(); ++p) {
    if (p == 2) {
      EXPECT_FALSE(parameters[p].second.has_grad());
      continue;
    }
    for (int64_t i = 0; i < sizes[p]; ++i)
      ASSERT_EQ(parameters[p].second.grad().data()[i], 3.0f * static_cast<float>(100 * p + i))
          << "parameter " << p << " element " << i;
  }
  // 42 floats in buckets of 8: five full ones and the rest.
  EXPECT_EQ(world.calls, (std::vector<int64_t>{8, 8, 8, 8, 8, 2}));
}

}  // namespace
}  // namespace attn
