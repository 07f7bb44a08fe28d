// Token-level cross-entropy from logits, with label smoothing and ignored padding.
//
//   CrossEntropyOptions opts{.label_smoothing = 0.1f, .ignore_index = kPadId};
//   CrossEntropyResult r = cross_entropy(logits, targets, opts);   // logits [N, V], targets [N]
//   tape().backward(r.loss);     // r.loss: mean over non-ignored targets
//
// Logits may also be [..., V] with int32 targets [...]: the leading dims are flattened.
// Targets must lie in [0, V) or equal ignore_index (anything else throws). When every target
// is ignored the loss is 0 with a zero gradient, so an all-padding batch is harmless.
//
// Label smoothing as in Szegedy et al. 2016 / fairseq: the target distribution puts
// 1 - eps on the gold token and eps / V on every token (gold included), so
//   loss_i = -(1 - eps) log p(gold) - eps/V * sum_v log p(v).
// `nll_sum` is the plain negative log-likelihood of the gold tokens (no smoothing), summed,
// for perplexity; `correct` counts argmax hits, for accuracy; `tokens` the counted targets.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

struct CrossEntropyOptions {
  float label_smoothing = 0.0f;
  int ignore_index = -1;  // targets equal to this add nothing to loss, gradient or counts
};

struct CrossEntropyResult {
  Var loss;  // [1]
  double nll_sum = 0;
  int64_t tokens = 0;
  int64_t correct = 0;
};

CrossEntropyResult cross_entropy(const Var& logits, const Tensor& targets,
                                 const CrossEntropyOptions& options = {});

}  // namespace attn
