#include "libattn/autograd/cross_entropy.h"

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/cross_entropy.h"

namespace attn {

// Forward keeps only the per-row log-sum-exp; backward recomputes softmax from the logits,
// which costs one exp per logit but saves an [N, V] probability tensor per step.
CrossEntropyResult cross_entropy(const Var& logits_var, const Tensor& targets_in,
                                 const CrossEntropyOptions& options) {
  const Tensor logits = logits_var.value().contiguous();
  ATTN_CHECK(targets_in.dtype() == DType::kI32, "cross_entropy: targets must be int32, got {}",
             dtype_name(targets_in.dtype()));
  const Tensor targets = targets_in.contiguous();
  ATTN_CHECK(logits.rank() >= 1 && targets.rank() == logits.rank() - 1,
             "cross_entropy: logits {} need targets of shape [...] without the vocab axis, got {}",
             shape_str(logits.shape()), shape_str(targets.shape()));
  for (int axis = 0; axis < targets.rank(); ++axis)
    ATTN_CHECK(targets.dim(axis) == logits.dim(axis), "cross_entropy: logits {} vs targets {}",
               shape_str(logits.shape()), shape_str(targets.shape()));
  ATTN_CHECK(options.label_smoothing >= 0.0f && options.label_smoothing < 1.0f,
             "cross_entropy: label smoothing must be in [0, 1), got {}", options.label_smoothing);
  const int64_t vocab = logits.dim(-1), rows = targets.numel();
  ATTN_CHECK(vocab > 0 || rows == 0, "cross_entropy: empty vocabulary axis");
  const int32_t* target = targets.ints();
  const int32_t ignore = options.ignore_index;
  for (int64_t i = 0; i < rows; ++i)
    ATTN_CHECK(target[i] == ignore || (target[i] >= 0 && target[i] < vocab),
               "cross_entropy: target {} at position {} is outside [0, {}) and is not the "
               "ignore_index {}",
               target[i], i, vocab, ignore);

  Tensor lse = Tensor::empty({rows});
  Tensor row_loss = Tensor::empty({rows});
  Tensor row_nll = Tensor::empty({rows});
  Tensor row_correct = Tensor::empty({rows}, DType::kI32);
  const float eps = options.label_smoothing;
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        cross_entropy_forward(logits.data() + begin * vocab, target + begin, end - begin, vocab,
                              eps, ignore, lse.data() + begin, row_loss.data() + begin,
                              row_nll.data() + begin, row_correct.ints() + begin);
      },
      16);

  CrossEntropyResult result;
  double loss_sum = 0;
  for (int64_t i = 0; i < rows; ++i) {
    if (target[i] == ignore) continue;
    ++result.tokens;
    loss_sum += row_loss[i];
    result.nll_sum += row_nll[i];
    result.correct += row_correct.ints()[i];
  }
  const int64_t tokens = result.tokens;
  Tensor loss_value = Tensor::empty({1});
  loss_value[0] = tokens ? static_cast<float>(loss_sum / tokens) : 0.0f;

  Var loss(loss_value, needs_grad(logits_var));
  if (loss.requires_grad()) {
    tape().record([logits_var, loss, logits, targets, lse, rows, vocab, eps, ignore, tokens]() {
      if (!loss.has_grad() || tokens == 0) return;
      const float scale = loss.grad()[0] / static_cast<float>(tokens);
      bool accumulate = false;  // the logits' gradient is written whole, never cleared first
      float* grad = logits_var.grad_to_write(accumulate).data();
      parallel_for(
          rows,
          [&](int64_t begin, int64_t end) {
            cross_entropy_backward(logits.data() + begin * vocab, targets.ints() + begin,
                                   lse.data() + begin, end - begin, vocab, eps, ignore, scale,
                                   accumulate, grad + begin * vocab);
          },
          16);
    });
  }
  result.loss = loss;
  return result;
}

}  // namespace attn
