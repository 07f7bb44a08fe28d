#include "libattn/autograd/variable.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "libattn/autograd/attention.h"
#include "libattn/autograd/cross_entropy.h"
#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/layer_norm.h"
#include "libattn/autograd/linear.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/arena.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::random_tensor;

TEST(Var, ZeroGradIsLazyAndGradToWriteSaysWhetherToAdd) {
  Var p = Var::parameter(Tensor::zeros_heap({3}));
  EXPECT_EQ(p.grad().to_vector(), (std::vector<float>{0, 0, 0}));
  p.grad().copy_from(Tensor::from({3}, {1, 2, 3}));
  bool accumulate = false;
  p.grad_to_write(accumulate);
  EXPECT_TRUE(accumulate);  // holds a gradient: add to it
  p.zero_grad();
  p.grad_to_write(accumulate);
  EXPECT_FALSE(accumulate);  // zero, memory not cleared: write it whole
  p.grad_to_write(accumulate);
  EXPECT_TRUE(accumulate);  // written since
  p.zero_grad();
  EXPECT_EQ(p.grad().to_vector(), (std::vector<float>{0, 0, 0}));  // grad() clears
}

// Every gradient of a small network of the ops that write instead of add, once from
// gradients cleared the ordinary way and once from memory full of NaN (stale parameter
// gradients after zero_grad(), arena blocks a NaN-filled step returned): the same floats.
// A backward step that added into memory it had not cleared would carry the NaN through.
TEST(Var, BackwardStepsWriteEveryElementOfAGradientTheyDoNotAdd) {
  constexpr int64_t B = 2, T = 3, D = 8, H = 2, V = 5;
  Rng rng(11);
  Var w = Var::parameter(random_tensor({D, D}, rng));
  Var bias = Var::parameter(random_tensor({D}, rng));
  Var gamma = Var::parameter(random_tensor({D}, rng));
  Var beta = Var::parameter(random_tensor({D}, rng));
  Var out_w = Var::parameter(random_tensor({V, D}, rng));
  const Tensor x = random_tensor({B, T, D}, rng);
  const Tensor targets = Tensor::from_ints({B, T}, {1, 2, 0, 4, 3, 1});
  const std::vector<Var> parameters = {w, bias, gamma, beta, out_w};
  auto step = [&] {
    Rng dropout_rng(5);
    Var h = linear(Var(x), w, bias);                                  // [B, T, D]
    Var heads = permute(reshape(h, {B, T, H, D / H}), {0, 2, 1, 3});  // [B, H, T, D/H]
    Var a = scaled_dot_product_attention(heads, heads, heads, Tensor(), 0.5f);
    Var merged = reshape(permute(a, {0, 2, 1, 3}), {B, T, D});
    Var y =
        add(layer_norm(merged, gamma, beta), mul(tanh(h), dropout(h, 0.25f, dropout_rng, true)));
    Var logits = matmul(y, out_w, false, true);  // [B, T, V]
    tape().backward(cross_entropy(logits, targets, {0.1f, 0}).loss);
  };
  step();
  std::vector<std::vector<float>> expected;
  for (const Var& p : parameters) expected.push_back(p.grad().to_vector());

  for (const Var& p : parameters) {
    p.grad().fill(std::numeric_limits<float>::quiet_NaN());
    p.zero_grad();
  }
  Arena arena;
  {
    ArenaScope scope(arena);
    std::vector<Tensor> poisoned;  // every size class the step uses, NaN, then given back
    for (int64_t n = 1; n <= 4 * B * T * D; ++n)
      for (int copies = 0; copies < 4; ++copies)
        poisoned.push_back(Tensor::full({n}, std::numeric_limits<float>::quiet_NaN()));
    poisoned.clear();
    step();
  }
  for (size_t i = 0; i < parameters.size(); ++i)
    EXPECT_EQ(parameters[i].grad().to_vector(), expected[i]) << i;
}

}  // namespace
}  // namespace attn
