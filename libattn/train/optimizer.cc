#include "libattn/train/optimizer.h"

#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/adam.h"

namespace attn {

AdamOptions AdamOptions::named(const std::string& name, float weight_decay) {
  if (name != "adam" && name != "adamw")
    throw InputError("--optimizer must be adam or adamw, got '" + name + "'");
  AdamOptions options = name == "adamw" ? adamw(weight_decay) : AdamOptions{};
  options.weight_decay = weight_decay;
  options.beta2 = 0.98f;
  options.eps = 1e-9f;
  return options;
}

Adam::Adam(std::vector<std::pair<std::string, Var>> parameters, const AdamOptions& options)
    : parameters_(std::move(parameters)), options_(options) {
  ATTN_CHECK(options.beta1 >= 0.0f && options.beta1 < 1.0f && options.beta2 >= 0.0f &&
                 options.beta2 < 1.0f,
             "Adam: betas must be in [0, 1), got {} and {}", options.beta1, options.beta2);
  ATTN_CHECK(options.eps > 0.0f, "Adam: eps must be positive, got {}", options.eps);
  for (const auto& [name, param] : parameters_) {
    ATTN_CHECK(param.defined() && param.requires_grad(),
               "Adam: parameter '{}' is not a trainable Var", name);
    ATTN_CHECK(param.value().is_contiguous(), "Adam: parameter '{}' is not contiguous", name);
    moments1_.push_back(Tensor::zeros_heap(param.shape()));
    moments2_.push_back(Tensor::zeros_heap(param.shape()));
  }
}

void Adam::set_step_count(int64_t step) {
  ATTN_CHECK(step >= 0, "Adam: step count must be >= 0, got {}", step);
  step_ = step;
}

void Adam::step(float lr) {
  ++step_;
  AdamStep hp;
  hp.lr = lr;
  hp.beta1 = options_.beta1;
  hp.beta2 = options_.beta2;
  hp.eps = options_.eps;
  hp.weight_decay = options_.weight_decay;
  hp.decoupled = options_.decoupled;
  hp.step = step_;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const Var& param = parameters_[i].second;
    if (!param.has_grad()) continue;
    ATTN_CHECK(moments1_[i].shape() == param.shape() && moments2_[i].shape() == param.shape(),
               "Adam: state of '{}' has shape {}, the parameter {}", parameters_[i].first,
               shape_str(moments1_[i].shape()), shape_str(param.shape()));
    float* p = param.mutable_value().data();
    const float* g = param.grad().data();
    float* m = moments1_[i].data();
    float* v = moments2_[i].data();
    parallel_for(
        param.value().numel(),
        [&](int64_t begin, int64_t end) {
          adam_update(p + begin, g + begin, m + begin, v + begin, end - begin, hp);
        },
        int64_t{1} << 15);
  }
}

void Adam::zero_grad() {
  for (const auto& entry : parameters_) entry.second.zero_grad();
}

}  // namespace attn
