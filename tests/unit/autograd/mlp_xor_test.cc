// End to end: the ops, the tape and plain SGD together learn XOR, which no linear model
// can, so the hidden layer's gradients must flow correctly.
#include <gtest/gtest.h>

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/tape.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

TEST(Autograd, MlpLearnsXor) {
  Rng rng(42);
  const Var x(Tensor::from({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}));
  const Var target(Tensor::from({4, 1}, {0, 1, 1, 0}));
  std::vector<Var> params = {
      Var::parameter(testing::random_tensor({2, 8}, rng)),  // w1
      Var::parameter(Tensor::zeros_heap({8})),             // b1
      Var::parameter(testing::random_tensor({8, 1}, rng)),  // w2
      Var::parameter(Tensor::zeros_heap({1})),             // b2
  };
  auto forward = [&] {
    Var hidden = tanh(add(matmul(x, params[0]), params[1]));
    return sigmoid(add(matmul(hidden, params[2]), params[3]));  // [4, 1]
  };
  const float learning_rate = 2.0f;
  float loss_value = 1.0f;
  for (int step = 0; step < 3000; ++step) {
    Var error = sub(forward(), target);
    Var loss = mean(mul(error, error));
    loss_value = loss.value().item();
    tape().backward(loss);
    for (Var& p : params) {
      float* w = p.mutable_value().data();
      const float* g = p.grad().data();
      for (int64_t i = 0; i < p.value().numel(); ++i) w[i] -= learning_rate * g[i];
      p.zero_grad();
    }
  }
  EXPECT_LT(loss_value, 0.01f);
  NoGrad no_grad;
  Tensor prediction = forward().value();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(prediction[i] > 0.5f, target.value()[i] > 0.5f) << i;
}

}  // namespace
}  // namespace attn
