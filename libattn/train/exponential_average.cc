#include "libattn/train/exponential_average.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "libattn/core/error.h"
#include "libattn/models/parameter_io.h"

namespace attn {

ExponentialAverage::ExponentialAverage(const NamedParameters& params, double factor)
    : params_(params), factor_(factor) {
  ATTN_CHECK(factor > 0 && factor <= 1, "ExponentialAverage: factor {} is not in (0, 1]", factor);
  for (const auto& [name, var] : params_) {
    Tensor copy = Tensor::empty_heap(var.shape());
    std::memcpy(copy.data(), var.value().contiguous().data(), copy.numel() * sizeof(float));
    averages_.push_back(std::move(copy));
  }
}

void ExponentialAverage::update(int64_t step) {
  const float weight =
      static_cast<float>(std::max(factor_, 9.0 / (static_cast<double>(step) + 10.0)));
  for (size_t i = 0; i < params_.size(); ++i) {
    const float* p = params_[i].second.value().data();
    float* a = averages_[i].data();
    const int64_t n = averages_[i].numel();
    for (int64_t j = 0; j < n; ++j) a[j] += weight * (p[j] - a[j]);
  }
}

void ExponentialAverage::swap() {
  for (size_t i = 0; i < params_.size(); ++i)
    std::swap(params_[i].second.mutable_value(), averages_[i]);
}

std::vector<formats::TensorToWrite> ExponentialAverage::tensors() const {
  std::vector<formats::TensorToWrite> out;
  for (size_t i = 0; i < params_.size(); ++i)
    out.push_back(f32_tensor_to_write("ema." + params_[i].first, averages_[i]));
  return out;
}

bool ExponentialAverage::load(const formats::ModelFile& file) {
  if (params_.empty() || !file.find_tensor("ema." + params_[0].first)) return false;
  for (size_t i = 0; i < params_.size(); ++i)
    std::memcpy(averages_[i].data(),
                expect_f32_tensor(file, "ema." + params_[i].first, averages_[i].shape()).data,
                averages_[i].numel() * sizeof(float));
  return true;
}

}  // namespace attn
