#include "libattn/autograd/int8_weights.h"

#include <sys/mman.h>

#include <algorithm>
#include <unordered_map>

#include "libattn/core/error.h"

namespace attn {

namespace {

std::unordered_map<const float*, const Int8Matrix*>& table() {
  static std::unordered_map<const float*, const Int8Matrix*> entries;
  return entries;
}

}  // namespace

Int8Weights::~Int8Weights() {
  for (const Tensor& weight : weights_) table().erase(weight.data());
}

void Int8Weights::add(const Tensor& weight) {
  ATTN_CHECK(weight.rank() == 2 && weight.is_contiguous(),
             "Int8Weights: a weight must be a contiguous matrix, got {}", shape_str(weight.shape()));
  add(weight, quantize_matrix(weight.data(), weight.dim(0), weight.dim(1), weight.dim(1)));
}

void Int8Weights::add(const Tensor& weight, Int8Matrix quantized) {
  ATTN_CHECK(quantized.rows == weight.dim(0) && quantized.cols == weight.dim(1),
             "Int8Weights: int8 [{}, {}] for a weight {}", quantized.rows, quantized.cols,
             shape_str(weight.shape()));
  const float* key = weight.data();
  ATTN_CHECK(!table().count(key), "Int8Weights: weight registered twice");
  matrices_.push_back(std::make_shared<const Int8Matrix>(std::move(quantized)));
  weights_.push_back(weight);
  table()[key] = matrices_.back().get();
}

int64_t Int8Weights::bytes() const {
  int64_t total = 0;
  for (const auto& m : matrices_)
    total += m->rows * m->cols + m->rows * static_cast<int64_t>(sizeof(float));
  return total;
}

const Int8Matrix* int8_weight(const float* data, int64_t rows, int64_t cols) {
  const auto& entries = table();
  if (entries.empty()) return nullptr;
  const auto found = entries.find(data);
  if (found == entries.end() || found->second->rows != rows || found->second->cols != cols)
    return nullptr;
  return found->second;
}

Tensor int8_stand_in(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(float);
  void* pages = ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ATTN_CHECK(pages != MAP_FAILED, "int8_stand_in: no address space for {}", shape_str(shape));
  return Tensor::wrap(shape, DType::kF32, pages,
                      std::shared_ptr<void>(pages, [bytes](void* p) { ::munmap(p, bytes); }));
}

}  // namespace attn
