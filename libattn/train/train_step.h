// One optimizer update on one batch: forward, masked cross-entropy, backward, global-norm
// clipping, Adam. Activations and their gradients come from `arena`, reset at the end, so
// the loop allocates nothing after its first step.
//
//   StepOptions options{.label_smoothing = 0.1f, .clip_norm = 1.0f};
//   StepStats stats = train_step(model, adam, schedule, src, tgt_in, tgt_out, options, rng, arena);
//   log(stats.loss, stats.tokens, stats.lr);
//
// Gradient accumulation and data parallelism are one update over several batches: this
// process's own, and through `world` those of the other ranks.
//
//   StepStats stats = train_step(model, adam, schedule, {batch1, batch2}, options, rng, arena, world);
#pragma once

#include <vector>

#include "libattn/core/arena.h"
#include "libattn/data/batching.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/train/distributed.h"
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

// One update over `batches` here and every other rank's batches (Marian's --optimizer-delay,
// and data parallelism). The loss is the mean over the target tokens of all of them, as one
// batch holding them all would have it: each batch's mean loss is weighted by its share of
// the global token count, the weighted gradients are summed over the ranks, then clipped and
// applied on every rank alike. A model's extra_loss is weighted the same way (exact for a
// per-token regulariser). Only source, target_in and target_out of a Batch are read. With one
// batch in one process this is the step above, bit for bit. Stats are global.
StepStats train_step(Seq2SeqModel& model, Adam& optimizer, const LrSchedule& schedule,
                     const std::vector<Batch>& batches, const StepOptions& options, Rng& rng,
                     Arena& arena, Distributed& world);

// The same loss without an update (validation); no tape is recorded.
StepStats evaluate_batch(const Seq2SeqModel& model, const Tensor& src, const Tensor& tgt_in,
                         const Tensor& tgt_out, Arena& arena);

}  // namespace attn
