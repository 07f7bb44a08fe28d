// Named parameters: how a module exposes its weights to the optimizer, the model file and
// the exporters. Names are the file's tensor names ("decoder.layers.0.self_attn.q_proj.weight"),
// chosen to read like PyTorch's state_dict so exports map one to one.
//
//   NamedParameters params;
//   model.collect_parameters("", params);
//   for (auto& [name, var] : params) ...
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libattn/autograd/variable.h"
#include "libattn/core/rng.h"

namespace attn {

using NamedParameters = std::vector<std::pair<std::string, Var>>;

// Joins a module prefix and a local name: join_name("encoder", "norm") == "encoder.norm".
inline std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Glorot & Bengio 2010 uniform initialisation: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
Var xavier_uniform(const Shape& shape, int64_t fan_in, int64_t fan_out, Rng& rng);
// N(0, std^2); embeddings use std = d_model^-0.5 (fairseq's transformer init).
Var normal_parameter(const Shape& shape, float std, Rng& rng);
Var constant_parameter(const Shape& shape, float value);
// U(-limit, limit); the RNN-family models' embeddings use 0.1 (Luong et al. 2015, §4.1).
// Draws even under SkipParameterInit, as those models always did, so a run's random stream
// after building a model stays what it was.
Var uniform_parameter(const Shape& shape, float limit, Rng& rng);

// While one lives, xavier_uniform and normal_parameter (on this thread) allocate without
// drawing values: for a model whose every parameter is about to come from a file
// (load_bundle), so startup spends no time on random weights it throws away (for a base
// Transformer, most of it). The values are then undefined until loaded.
class SkipParameterInit {
 public:
  SkipParameterInit();
  ~SkipParameterInit();
  SkipParameterInit(const SkipParameterInit&) = delete;
  SkipParameterInit& operator=(const SkipParameterInit&) = delete;

 private:
  bool previous_;
};

int64_t count_parameters(const NamedParameters& params);

// Mode of one forward pass: training turns dropout on and draws from `rng`.
struct ForwardMode {
  bool training = false;
  Rng* rng = nullptr;
};

}  // namespace attn
