// AllocationBudget: heap tensors made while a budget lives are charged against it, and the
// one that would exceed it is refused before it is allocated.
#include "libattn/core/allocation_budget.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "libattn/core/error.h"
#include "libattn/core/tensor.h"

namespace attn {
namespace {

TEST(AllocationBudget, RefusesTheTensorThatWouldExceedIt) {
  AllocationBudget budget(1000, "the test config");
  Tensor a = Tensor::zeros({10, 10});  // 400 bytes
  Tensor b = Tensor::zeros({100});     // 400 more: 200 left
  try {
    Tensor c = Tensor::zeros({10, 10});
    ADD_FAILURE() << "allocated past the budget";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the test config"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("200 bytes left"), std::string::npos) << e.what();
  }
  Tensor d = Tensor::zeros({50});  // what is left still fits
}

TEST(AllocationBudget, AShapeThatOverflowsIsRefusedNotWrapped) {
  AllocationBudget budget(1 << 20, "crafted");
  const int64_t big = int64_t{1} << 31;
  EXPECT_THROW(Tensor::zeros({big, big, big}), InputError);  // 2^93 elements: no wrap to small
}

TEST(AllocationBudget, EndsWithItsScope) {
  { AllocationBudget budget(4, "tiny"); }
  Tensor a = Tensor::zeros({1000});  // no budget any more
  EXPECT_EQ(a.numel(), 1000);
}

}  // namespace
}  // namespace attn
