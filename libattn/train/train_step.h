// One optimizer update on one batch: forward, masked cross-entropy, backward, global-norm
// clipping, Adam. Activations and their gradients come from `arena`, reset at the end, so
// the loop allocates nothing after its first step.
//
//   StepOptions options{.label_smoothing = 0.1f, .clip_norm = 1.0f};
//   StepStats stats = train_step(model, adam, schedule, src, tgt_in, tgt_out, options, rng, arena);
//   log(stats.loss, stats.tokens, stats.lr);
#pragma once

#include "libattn/core/arena.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/train/lr_schedule.h"
#include "libattn/train/optimizer.h"

namespace attn {

struct StepOptions {
  float label_smoothing = 0.1f;
  float clip_norm = 0.0f;  // 0: no clipping
};

struct StepStats {
  double loss = 0;     // the optimised (smoothed) loss, mean per target token
  double nll_sum = 0;  // unsmoothed negative log-likelihood, summed: for perplexity
  int64_t tokens = 0;  // target tokens counted (padding excluded)
  int64_t correct = 0;
  float grad_norm = 0;  // before clipping
  float lr = 0;
};

// src [B, S], tgt_in [B, T] (BOS + target), tgt_out [B, T] (target + EOS); int32, 0 = pad.
StepStats train_step(Seq2SeqModel& model, Adam& optimizer, const LrSchedule& schedule,
                     const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out,
                     const StepOptions& options, Rng& rng, Arena& arena);

// The same loss without an update (validation); no tape is recorded.
StepStats evaluate_batch(const Seq2SeqModel& model, const Tensor& src, const Tensor& tgt_in,
                         const Tensor& tgt_out, Arena& arena);

}  // namespace attn
