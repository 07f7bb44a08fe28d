// Adam and AdamW over a model's named parameters, with state a checkpoint can save.
//
//   Adam opt(model.named_parameters());                               // Adam, default betas
//   Adam opt_w(params, AdamOptions::adamw(0.01f));                     // decoupled decay
//   opt.zero_grad();
//   tape().backward(loss);
//   clip_grad_norm(opt.parameters(), 1.0f);
//   opt.step(learning_rate(schedule, opt.step_count() + 1));
//
// Checkpointing: parameters()[i].first names moments1()[i] and moments2()[i] (same shape as
// the parameter, on the heap); save them with step_count() and restore through the same
// references and set_step_count(). A parameter without a gradient (unused this step) is
// left alone, as in PyTorch.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libattn/autograd/variable.h"

namespace attn {

struct AdamOptions {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  bool decoupled = false;  // true: AdamW (Loshchilov & Hutter 2019); false: L2 in the gradient

  static AdamOptions adamw(float weight_decay) {
    AdamOptions options;
    options.weight_decay = weight_decay;
    options.decoupled = true;
    return options;
  }
  // attn-train's --optimizer: "adam" (decay as L2 in the gradient) or "adamw" (decoupled),
  // both with beta2 0.98 and eps 1e-9 (Vaswani et al. 2017 §5.3) whatever the model.
  // InputError for any other name.
  static AdamOptions named(const std::string& name, float weight_decay);
};

class Adam {
 public:
  Adam(std::vector<std::pair<std::string, Var>> parameters, const AdamOptions& options = {});

  // One update at learning rate lr; increments step_count() first (bias correction uses it).
  void step(float lr);
  void zero_grad();

  const std::vector<std::pair<std::string, Var>>& parameters() const { return parameters_; }
  const AdamOptions& options() const { return options_; }
  std::vector<Tensor>& moments1() { return moments1_; }
  std::vector<Tensor>& moments2() { return moments2_; }
  const std::vector<Tensor>& moments1() const { return moments1_; }
  const std::vector<Tensor>& moments2() const { return moments2_; }
  int64_t step_count() const { return step_; }
  void set_step_count(int64_t step);

 private:
  std::vector<std::pair<std::string, Var>> parameters_;
  AdamOptions options_;
  std::vector<Tensor> moments1_, moments2_;
  int64_t step_ = 0;
};

}  // namespace attn
