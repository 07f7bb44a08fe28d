#include "libattn/train/train_step.h"

#include "libattn/autograd/cross_entropy.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/tape.h"
#include "libattn/train/grad_clip.h"

namespace attn {

namespace {

CrossEntropyResult batch_loss(const Seq2SeqModel& model, const Tensor& src, const Tensor& tgt_in,
                              const Tensor& tgt_out, const ForwardMode& mode,
                              float label_smoothing) {
  // cross_entropy takes logits [B, T, V] against targets [B, T] directly: no reshape copy
  // of the largest activation of the step.
  Var logits = model.forward(src, tgt_in, mode);
  CrossEntropyResult result = cross_entropy(logits, tgt_out, {label_smoothing, 0});
  // A model's own regulariser (Seq2SeqModel::extra_loss) joins the optimised loss.
  if (const Var extra = model.extra_loss(); extra.defined()) result.loss = add(result.loss, extra);
  return result;
}
}  // namespace

StepStats train_step(Seq2SeqModel& model, Adam& optimizer, const LrSchedule& schedule,
                     const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out,
                     const StepOptions& options, Rng& rng, Arena& arena) {
  StepStats stats;
  {
    ArenaScope scope(arena);
    CrossEntropyResult ce =
        batch_loss(model, src, tgt_in, tgt_out, {true, &rng}, options.label_smoothing);
    optimizer.zero_grad();
    tape().backward(ce.loss);
    stats.loss = ce.loss.value().item();
    stats.nll_sum = ce.nll_sum;
    stats.tokens = ce.tokens;
    stats.correct = ce.correct;
    {
      ArenaScope heap(nullptr);
      stats.grad_norm = clip_grad_norm(optimizer.parameters(), options.clip_norm);
      stats.lr = learning_rate(schedule, optimizer.step_count() + 1);
      optimizer.step(stats.lr);
    }
  }
  arena.reset();
  return stats;
}

StepStats evaluate_batch(const Seq2SeqModel& model, const Tensor& src, const Tensor& tgt_in,
                         const Tensor& tgt_out, Arena& arena) {
  StepStats stats;
  {
    ArenaScope scope(arena);
    NoGrad no_grad;
    CrossEntropyResult ce = batch_loss(model, src, tgt_in, tgt_out, {}, 0.0f);
    stats.loss = ce.loss.value().item();
    stats.nll_sum = ce.nll_sum;
    stats.tokens = ce.tokens;
    stats.correct = ce.correct;
  }
  arena.reset();
  return stats;
}

}  // namespace attn
