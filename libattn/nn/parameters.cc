#include "libattn/nn/parameters.h"

#include <cmath>

namespace attn {

namespace {
thread_local bool skip_init = false;
}  // namespace

SkipParameterInit::SkipParameterInit() : previous_(skip_init) { skip_init = true; }
SkipParameterInit::~SkipParameterInit() { skip_init = previous_; }

Var xavier_uniform(const Shape& shape, int64_t fan_in, int64_t fan_out, Rng& rng) {
  Tensor t = Tensor::empty_heap(shape);
  if (skip_init) return Var::parameter(t);
  float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  float* p = t.data();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = (2.0f * rng.uniform() - 1.0f) * limit;
  return Var::parameter(t);
}

Var normal_parameter(const Shape& shape, float std, Rng& rng) {
  Tensor t = Tensor::empty_heap(shape);
  if (skip_init) return Var::parameter(t);
  float* p = t.data();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = std * rng.normal();
  return Var::parameter(t);
}

Var uniform_parameter(const Shape& shape, float limit, Rng& rng) {
  Tensor t = Tensor::empty_heap(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = 2.0f * limit * rng.uniform() - limit;
  return Var::parameter(t);
}

Var constant_parameter(const Shape& shape, float value) {
  Tensor t = Tensor::empty_heap(shape);
  t.fill(value);
  return Var::parameter(t);
}

int64_t count_parameters(const NamedParameters& params) {
  int64_t total = 0;
  for (const auto& [name, var] : params) total += var.value().numel();
  return total;
}

}  // namespace attn
