#include "libattn/kernels/cross_entropy.h"

#include <algorithm>
#include <cmath>

#include "libattn/kernels/fast_exp.h"
#include "libattn/kernels/row_reduce.h"

namespace attn {

void cross_entropy_forward(const float* logits, const int32_t* targets, int64_t rows, int64_t vocab,
                           float label_smoothing, int32_t ignore_index, float* log_sum_exp,
                           float* row_loss, float* row_nll, int32_t* row_correct) {
  // Sums use fixed lanes (row_reduce.h) and the vectorisable exp (fast_exp.h); the autograd
  // op splits rows over threads.
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t target = targets[i];
    if (target == ignore_index) {
      log_sum_exp[i] = row_loss[i] = row_nll[i] = 0.0f;
      row_correct[i] = 0;
      continue;
    }
    const float* x = logits + i * vocab;
    float max = x[0];
    int64_t argmax = 0;
    for (int64_t v = 1; v < vocab; ++v)
      if (x[v] > max) max = x[v], argmax = v;
    const double sum_exp =
        row_sum_of(vocab, [x, max](int64_t v) { return exp_nonpositive(x[v] - max); });
    const double sum_logits = row_sum(x, vocab);
    const double lse = max + std::log(sum_exp);
    const double nll = lse - x[target];
    // -sum_v log p(v) = V * lse - sum_v x[v]
    const double uniform_nll = vocab * lse - sum_logits;
    const double eps = label_smoothing;
    log_sum_exp[i] = static_cast<float>(lse);
    row_nll[i] = static_cast<float>(nll);
    row_loss[i] = static_cast<float>((1.0 - eps) * nll + eps / vocab * uniform_nll);
    row_correct[i] = argmax == target ? 1 : 0;
  }
}

void cross_entropy_backward(const float* logits, const int32_t* targets, const float* log_sum_exp,
                            int64_t rows, int64_t vocab, float label_smoothing,
                            int32_t ignore_index, float grad_scale, bool accumulate,
                            float* grad_logits) {
  const float off_target = label_smoothing / static_cast<float>(vocab);
  const float on_target = 1.0f - label_smoothing + off_target;
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t target = targets[i];
    float* g = grad_logits + i * vocab;
    if (target == ignore_index) {
      if (!accumulate) std::fill(g, g + vocab, 0.0f);
      continue;
    }
    const float* x = logits + i * vocab;
    const float lse = log_sum_exp[i];
    // Written as 0 + d when not accumulating: the same float as adding into a cleared row.
    if (accumulate)
      for (int64_t v = 0; v < vocab; ++v)
        g[v] += grad_scale * (exp_nonpositive(x[v] - lse) - off_target);
    else
      for (int64_t v = 0; v < vocab; ++v)
        g[v] = 0.0f + grad_scale * (exp_nonpositive(x[v] - lse) - off_target);
    g[target] -= grad_scale * (on_target - off_target);
  }
}

}  // namespace attn
