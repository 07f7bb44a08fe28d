// Row softmax kernels: plain loops on raw pointers, shared by the autograd softmax ops and
// the fused attention op. A "row" is `cols` contiguous floats; rows follow each other.
//
//   softmax_rows(scores, mask, probs, B * H * T, S);           // mask null or [rows, cols]
//   softmax_backward_rows(probs, d_probs, d_scores, B * H * T, S);   // d_scores +=
//   for (r ...) softmax_row(x + r * S, mask_for(r), y + r * S, S);   // any per-row mask
//
// Mask convention: an ADDITIVE mask, 0 keeps a position and -infinity removes it (a large
// negative value such as -1e9 also works). softmax_rows takes null or a full [rows, cols]
// mask; for a broadcast mask (one [S] row per batch entry, a causal [T, S] shared by every
// head) call softmax_row per row with that row's mask pointer. A row whose every position is
// -infinity yields all zeros, not NaN, so a fully padded query cannot poison a batch; its
// backward is then zero as well. Backward kernels ACCUMULATE into dx (+=), as every
// backward in the tape does. The *_rows versions split rows over attn::parallel_for; each
// row's arithmetic is independent of the split, so results are bit-for-bit repeatable.
#pragma once

#include <cstdint>

namespace attn {

// y = softmax(x + mask) over one row; mask may be null. x and y may alias.
void softmax_row(const float* x, const float* mask, float* y, int64_t cols);
// dx += y * (dy - sum(dy * y)), the softmax Jacobian-vector product.
void softmax_backward_row(const float* y, const float* dy, float* dx, int64_t cols);

// x, y: [rows, cols]; mask: null or [rows, cols].
void softmax_rows(const float* x, const float* mask, float* y, int64_t rows, int64_t cols);
void softmax_backward_rows(const float* y, const float* dy, float* dx, int64_t rows,
                           int64_t cols);

// y = x - max - log(sum(exp(x - max))), computed without forming softmax first so very
// negative log-probabilities keep their precision. x, y: [rows, cols].
void log_softmax_rows(const float* x, float* y, int64_t rows, int64_t cols);
// x = log_softmax(x + bias) row by row, in place; bias: null or [cols], shared by every row.
// Bit for bit what an add of the bias followed by log_softmax_rows gives, without the two
// [rows, cols] temporaries: each row is read from memory once and finished while in cache
// (decoding's output layer: rows = beams x sentences, cols = vocabulary).
void bias_log_softmax_rows_inplace(float* x, const float* bias, int64_t rows, int64_t cols);
// dx += dy - exp(y) * sum(dy), with y the log-softmax output.
void log_softmax_backward_rows(const float* y, const float* dy, float* dx, int64_t rows,
                               int64_t cols);

}  // namespace attn
