#include "libattn/train/train_step.h"

#include <algorithm>
#include <utility>
#include <vector>

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

// Target positions the loss counts (cross_entropy ignores the padding id 0).
int64_t target_tokens(const Tensor& tgt_out) {
  const int32_t* ids = tgt_out.ints();
  return std::count_if(ids, ids + tgt_out.numel(), [](int32_t id) { return id != 0; });
}

}  // namespace

StepStats train_step(Seq2SeqModel& model, Adam& optimizer, const LrSchedule& schedule,
                     const std::vector<Batch>& batches, const StepOptions& options, Rng& rng,
                     Arena& arena, Distributed& world) {
  double tokens = 0;
  for (const Batch& batch : batches) tokens += static_cast<double>(target_tokens(batch.target_out));
  world.sum(&tokens, 1);
  // loss (weighted), nll_sum, correct: summed over the ranks below.
  double totals[3] = {0, 0, 0};
  optimizer.zero_grad();
  // Each batch's gradient is taken from zero and then added to the earlier batches' sum, as
  // the ranks' gradients are added in sum_gradients: so K batches here and K ranks round
  // alike (bit for bit for K = 2), rather than each op of batch k adding into the sum.
  const auto& parameters = optimizer.parameters();
  std::vector<Tensor> earlier(batches.size() > 1 ? parameters.size() : 0);
  for (size_t b = 0; b < batches.size(); ++b) {
    const Batch& batch = batches[b];
    if (b > 0) {
      for (size_t p = 0; p < parameters.size(); ++p) {
        if (!parameters[p].second.has_grad()) continue;
        if (!earlier[p].defined()) earlier[p] = Tensor::zeros_heap(parameters[p].second.shape());
        std::swap(earlier[p], parameters[p].second.grad());
        parameters[p].second.zero_grad();
      }
    }
    {
      ArenaScope scope(arena);
      CrossEntropyResult ce = batch_loss(model, batch.source, batch.target_in, batch.target_out,
                                         {true, &rng}, options.label_smoothing);
      // The batch's share of the global mean; exactly 1 for one batch in one process.
      const double weight = tokens > 0 ? ce.tokens / tokens : 0.0;
      tape().backward(weight == 1.0 ? ce.loss : scale(ce.loss, static_cast<float>(weight)));
      totals[0] += weight * ce.loss.value().item();
      totals[1] += ce.nll_sum;
      totals[2] += static_cast<double>(ce.correct);
    }
    arena.reset();
    if (b > 0) {
      for (size_t p = 0; p < parameters.size(); ++p) {
        if (!earlier[p].defined() || !parameters[p].second.has_grad()) continue;
        float* sum = parameters[p].second.grad().data();
        const float* before = earlier[p].data();
        for (int64_t i = 0, n = earlier[p].numel(); i < n; ++i) sum[i] += before[i];
      }
    }
  }
  world.sum(totals, 3);
  sum_gradients(world, optimizer.parameters());
  StepStats stats;
  stats.loss = totals[0];
  stats.nll_sum = totals[1];
  stats.tokens = static_cast<int64_t>(tokens);
  stats.correct = static_cast<int64_t>(totals[2]);
  stats.grad_norm = clip_grad_norm(optimizer.parameters(), options.clip_norm);
  stats.lr = learning_rate(schedule, optimizer.step_count() + 1);
  optimizer.step(stats.lr);
  return stats;
}

StepStats train_step(Seq2SeqModel& model, Adam& optimizer, const LrSchedule& schedule,
                     const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out,
                     const StepOptions& options, Rng& rng, Arena& arena) {
  Batch batch;
  batch.source = src;
  batch.target_in = tgt_in;
  batch.target_out = tgt_out;
  return train_step(model, optimizer, schedule, {batch}, options, rng, arena, single_process());
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
