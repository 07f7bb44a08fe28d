#include "libattn/core/allocation_budget.h"

#include <utility>

#include "libattn/core/error.h"

namespace attn {
namespace {

thread_local AllocationBudget* t_budget = nullptr;

}  // namespace

AllocationBudget::AllocationBudget(uint64_t bytes, std::string what)
    : left_(bytes), what_(std::move(what)), outer_(t_budget) {
  t_budget = this;
}

AllocationBudget::~AllocationBudget() { t_budget = outer_; }

void AllocationBudget::charge(const Shape& shape) {
  AllocationBudget* budget = t_budget;
  if (budget == nullptr) return;
  // Element count times 4 bytes, saturating: a crafted shape must not wrap around to "small".
  uint64_t bytes = 4;
  for (int64_t d : shape) {
    const uint64_t dim = d > 0 ? static_cast<uint64_t>(d) : 0;
    bytes = dim != 0 && bytes > UINT64_MAX / dim ? UINT64_MAX : bytes * dim;
  }
  if (bytes > budget->left_)
    throw InputError(fmt::format(
        "{} asks for more memory than its file's tensors fill: a tensor {} of {} bytes, with "
        "{} bytes left",
        budget->what_, shape_str(shape), bytes, budget->left_));
  budget->left_ -= bytes;
}

}  // namespace attn
