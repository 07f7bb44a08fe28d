#include "libattn/autograd/int8_weights.h"

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
  for (const float* key : keys_) table().erase(key);
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
  keys_.push_back(key);
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

}  // namespace attn
