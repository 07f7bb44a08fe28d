#include "libattn/autograd/matmul.h"

#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

TEST(Matmul, ForwardMatchesHandComputed) {
  Var a(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  Var b(Tensor::from({3, 2}, {7, 8, 9, 10, 11, 12}));
  Tensor c = matmul(a, b).value();
  EXPECT_EQ(c.to_vector(), (std::vector<float>{58, 64, 139, 154}));
  Tensor ct = matmul(b, a, true, true).value();  // (A B)^T
  EXPECT_EQ(ct.to_vector(), (std::vector<float>{58, 139, 64, 154}));
}

TEST(Matmul, SingleRowUsesSameResultAsGemm) {
  Rng rng(3);
  Tensor a = random_tensor({1, 7}, rng), b = random_tensor({7, 5}, rng), bt = random_tensor({5, 7}, rng);
  for (bool tb : {false, true}) {
    const Tensor& w = tb ? bt : b;
    Tensor c = matmul(Var(a), Var(w), false, tb).value();
    for (int j = 0; j < 5; ++j) {
      double expect = 0;
      for (int k = 0; k < 7; ++k) expect += double(a[k]) * (tb ? bt[j * 7 + k] : b[k * 5 + j]);
      EXPECT_NEAR(c[j], expect, 1e-5);
    }
  }
}

TEST(Matmul, GradientsAllTransposes) {
  Rng rng(7);
  GradCheck check;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = random_tensor(ta ? Shape{4, 3} : Shape{3, 4}, rng);
      Tensor b = random_tensor(tb ? Shape{5, 4} : Shape{4, 5}, rng);
      check.run("matmul", [&](const std::vector<Var>& in) { return matmul(in[0], in[1], ta, tb); },
                {a, b});
    }
  // Leading dimensions flatten into rows, as in a Linear layer.
  check.run("matmul-rank3", [](const std::vector<Var>& in) { return matmul(in[0], in[1], false, true); },
            {random_tensor({2, 3, 4}, rng), random_tensor({5, 4}, rng)});
}

TEST(BatchedMatmul, GradientsAllTransposes) {
  Rng rng(8);
  GradCheck check;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = random_tensor(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, rng);
      Tensor b = random_tensor(tb ? Shape{2, 5, 4} : Shape{2, 4, 5}, rng);
      check.run("batched_matmul",
                [&](const std::vector<Var>& in) { return batched_matmul(in[0], in[1], ta, tb); },
                {a, b});
    }
}

}  // namespace
}  // namespace attn
