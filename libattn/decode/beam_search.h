// Beam search over DecoderModel, batched: all sentences of a mini-batch advance together,
// rows = sentences x live hypotheses, and reorder() makes each row's caches follow its
// hypothesis.
//
//   BeamOptions options;
//   options.beam_size = 5;
//   options.n_best = 2;
//   options.length_penalty = 1.0f;
//   std::vector<NBest> out = beam_search(model, sources, options);
//   out[0][0].tokens, out[0][0].normalized_score;   // the first sentence's best
//
// Each step, per sentence: the 2 x beam_size best continuations (raw score = sum of
// log-probabilities; ties to the lower row, then the lower token id) are walked in order.
// A finished hypothesis keeps its place in the beam for good, so the sentence's width is
// beam_size minus its finished count (as in Marian): an EOS among the first `width` ranks
// finishes a hypothesis, and the first `width` non-EOS continuations stay live. Weak
// hypotheses that end early thus cannot crowd out a strong one still going. A hypothesis at
// max_output_length() may only take EOS (Marian); with stop_at_limit, a continuation that
// reaches the limit finishes as it is when among the first `width` ranks (CTranslate2). A
// sentence stops when
//   (a) beam_size hypotheses have finished, or
//   (b) no live hypothesis is left, or
//   (c) n_best have finished and no live hypothesis can beat the n_best-th finished one:
//       log-probabilities are <= 0, so a live score only falls, and its best normalized
//       score is at the length (now or at the limit) where score / length^alpha is largest.
// The n-best list is the finished hypotheses sorted by normalized score (stable: on a tie
// the earlier finished ranks first), cut to n_best. With beam_size 1 this is exactly
// greedy_search.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/decode/decoder_model.h"
#include "libattn/decode/hypothesis.h"

namespace attn {

// One NBest per source sentence with min(n_best, finished) hypotheses; empty only when the
// model gave every continuation a log-probability of -inf.
std::vector<NBest> beam_search(DecoderModel& model,
                               const std::vector<std::vector<int32_t>>& sources,
                               const BeamOptions& options);

}  // namespace attn
