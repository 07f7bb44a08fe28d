// Learning one small batch, shared by the model tests: the copy batch the sequence models
// learn, the training loop, and the check that greedy and beam search decode what was learnt.
//
//   TeacherBatch batch = copy_batch();
//   std::vector<NBest> beam = expect_learns(model, batch, 150, rng, batch.targets, name);
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/train/grad_clip.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/models/model_gradcheck.h"

namespace attn::testing {

// Sentence pairs for teacher forcing: src [B, S], tgt_in = BOS + target, tgt_out = target +
// EOS [B, T + 1], right-padded with 0 to the longest source S and target T.
struct TeacherBatch {
  std::vector<std::vector<int32_t>> sources, targets;
  Tensor src, tgt_in, tgt_out;
};

inline TeacherBatch teacher_batch(std::vector<std::vector<int32_t>> sources,
                                  std::vector<std::vector<int32_t>> targets) {
  TeacherBatch b{std::move(sources), std::move(targets), {}, {}, {}};
  const int64_t batch = static_cast<int64_t>(b.sources.size());
  size_t length = 0, steps = 0;
  for (int64_t r = 0; r < batch; ++r) {
    length = std::max(length, b.sources[r].size());
    steps = std::max(steps, b.targets[r].size() + 1);
  }
  b.src = Tensor::zeros({batch, static_cast<int64_t>(length)}, DType::kI32);
  b.tgt_in = Tensor::zeros({batch, static_cast<int64_t>(steps)}, DType::kI32);
  b.tgt_out = Tensor::zeros({batch, static_cast<int64_t>(steps)}, DType::kI32);
  for (int64_t r = 0; r < batch; ++r) {
    const std::vector<int32_t>& s = b.sources[r];
    const std::vector<int32_t>& t = b.targets[r];
    std::copy(s.begin(), s.end(), b.src.ints() + r * length);
    b.tgt_in.ints()[r * steps] = 2;
    std::copy(t.begin(), t.end(), b.tgt_in.ints() + r * steps + 1);
    std::copy(t.begin(), t.end(), b.tgt_out.ints() + r * steps);
    b.tgt_out.ints()[r * steps + t.size()] = 3;
  }
  return b;
}

// Copy of short sentences of different lengths: every target is its source.
inline TeacherBatch copy_batch() {
  const std::vector<std::vector<int32_t>> sentences = {
      {4, 5, 6, 7, 8}, {9, 8, 7, 4}, {5, 5, 9}, {6, 4, 8, 9, 5}};
  return teacher_batch(sentences, sentences);
}

// `steps` Adam steps at 1e-2 on one batch (the global gradient norm clipped to `clip` where it
// is > 0); the last step's cross-entropy.
template <typename Batch>
float overfit(Seq2SeqModel& model, const Batch& batch, int steps, Rng& rng, float clip = 0) {
  Adam adam(model.parameters());
  float loss = 0;
  for (int step = 0; step < steps; ++step) {
    Var ce;
    Var total = batch_loss(model, batch, {true, &rng}, &ce);
    loss = ce.value().item();
    adam.zero_grad();
    tape().backward(total);
    if (clip > 0) clip_grad_norm(model.parameters(), clip);
    adam.step(1e-2f);
  }
  return loss;
}

// Learns one batch: after `steps` of overfit() its cross-entropy is below 0.05, and greedy and
// beam search (beam 3, alignments returned) both decode sources[r] to want[r]. The beam's
// n-best lists, for the caller's checks of the alignments.
template <typename Batch>
std::vector<NBest> expect_learns(Seq2SeqModel& model, const Batch& batch, int steps, Rng& rng,
                                 const std::vector<std::vector<int32_t>>& want,
                                 const std::string& label, float clip = 0) {
  EXPECT_LT(overfit(model, batch, steps, rng, clip), 0.05f) << label;
  BeamOptions options;
  options.beam_size = 3;
  options.return_alignment = true;
  const std::vector<NBest> greedy = greedy_search(model, batch.sources, options);
  const std::vector<NBest> beam = beam_search(model, batch.sources, options);
  for (size_t r = 0; r < batch.sources.size(); ++r) {
    EXPECT_EQ(greedy[r][0].tokens, want[r]) << label << " row " << r;
    EXPECT_EQ(beam[r][0].tokens, want[r]) << label << " row " << r;
  }
  return beam;
}

}  // namespace attn::testing
