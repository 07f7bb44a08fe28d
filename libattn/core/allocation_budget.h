// A cap on the heap bytes Tensors may take on this thread while the budget lives: building a
// model from an untrusted file's config allocates no more than the file's own tensors could
// fill, so "2^31 layers" or "d_model 2^31" in a 30 KB file is refused, not allocated.
//
//   {
//     AllocationBudget budget(tensor_bytes + slack, "model.attn: the config");
//     model = create_model(architecture, config, rng);  // InputError once over the budget
//   }
//
// Tensor::allocate charges heap tensors (arena tensors are the arena's business) before it
// allocates; without a budget the charge is one thread-local load.
#pragma once

#include <cstdint>
#include <string>

#include "libattn/core/tensor.h"

namespace attn {

class AllocationBudget {
 public:
  AllocationBudget(uint64_t bytes, std::string what);
  ~AllocationBudget();
  AllocationBudget(const AllocationBudget&) = delete;
  AllocationBudget& operator=(const AllocationBudget&) = delete;

  // Throws InputError naming `what` when shape's bytes (overflow-checked) would exceed what is
  // left of the innermost live budget on this thread; does nothing without one.
  static void charge(const Shape& shape);

 private:
  uint64_t left_;
  std::string what_;
  AllocationBudget* outer_;
};

}  // namespace attn
