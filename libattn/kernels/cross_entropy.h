// Cross-entropy kernels on raw rows of logits, for autograd/cross_entropy.h.
//
//   cross_entropy_forward(logits, targets, rows, vocab, eps, pad, lse, loss, nll, hit);
//   cross_entropy_backward(logits, targets, lse, rows, vocab, eps, pad, g / tokens, true, dlogits);
//
// logits [N, V] row-major, targets [N] already checked to lie in [0, V) or equal
// `ignore_index`. Log-softmax is taken as x - logsumexp(x) with the row maximum subtracted
// first, so large logits neither overflow exp() nor lose the gold token's probability.
// Rows are independent: callers may split [0, N) across threads.
#pragma once

#include <cstdint>

namespace attn {

// Per row i: log_sum_exp[i]; and, for a counted target, the smoothed loss row_loss[i], the
// plain -log p(gold) row_nll[i], and row_correct[i] = 1 when the first argmax is the gold
// token. Ignored rows get zeros everywhere (log_sum_exp included).
void cross_entropy_forward(const float* logits, const int32_t* targets, int64_t rows, int64_t vocab,
                           float label_smoothing, int32_t ignore_index, float* log_sum_exp,
                           float* row_loss, float* row_nll, int32_t* row_correct);

// Adds grad_scale * (softmax(logits) - smoothed target) to grad_logits for every counted
// row, ignored rows left untouched; or, with accumulate false, writes it, and zeros into the
// ignored rows (grad_logits need not be cleared first: the largest gradient of a step).
void cross_entropy_backward(const float* logits, const int32_t* targets, const float* log_sum_exp,
                            int64_t rows, int64_t vocab, float label_smoothing,
                            int32_t ignore_index, float grad_scale, bool accumulate,
                            float* grad_logits);

}  // namespace attn
