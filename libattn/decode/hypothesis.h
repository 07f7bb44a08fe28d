// What a search returns, and the length rules greedy and beam search share.
//
//   BeamOptions options;
//   options.beam_size = 5;
//   options.n_best = 3;
//   std::vector<NBest> results = beam_search(model, sources, options);
//   for (const Hypothesis& h : results[0]) print(h.tokens, h.normalized_score);
//
// Flag names follow Marian: --beam-size, --n-best, --normalize, --max-length,
// --max-length-factor, --alignment.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

struct BeamOptions {
  int beam_size = 5;  // live hypotheses kept per sentence; greedy_search ignores it
  int n_best = 1;     // hypotheses returned per sentence (<= beam_size); greedy returns 1
  // alpha in score / length^alpha, the normalization of Marian's --normalize. Length counts
  // the EOS, so an empty output has length 1. 0 ranks by raw log-probability, 1 by the
  // per-token average; without it beam search prefers short outputs (Murray & Chiang 2018).
  float length_penalty = 0.6f;
  // Marian's --word-penalty: subtracted once per output token (EOS included) before the length
  // normalization, so a positive value favours shorter outputs. Ranks finished hypotheses only.
  float word_penalty = 0.0f;
  // A hypothesis holding this many tokens may only end: its next token is forced to EOS
  // (Marian's rule), or with stop_at_limit it ends there.
  int max_length = 256;
  // When > 0, the limit is also ceil(factor * source length) (Marian's default is 3).
  float max_length_factor = 3.0f;
  // Keep each output token's attention row over the source (for alignments).
  bool return_alignment = false;
  // Never output the unknown word, as Marian decodes unless given --allow-unk.
  bool forbid_unk = false;
  // How a hypothesis ends at the length limit. false (Marian): one more step forces EOS,
  // whose log-probability counts in its score. true (CTranslate2): the step that gives it
  // its limit-th token ends it as it is, nothing added; that token was chosen over the whole
  // vocabulary like any other, and the extra step is saved. Beam search can then rank the
  // finished hypotheses differently (attn-decode --at-max-length stop). A limit of 0 still
  // forces EOS: the empty output is the only one.
  bool stop_at_limit = false;
};

struct Hypothesis {
  std::vector<int32_t> tokens;  // without BOS and EOS
  double score = 0;  // sum of the log-probabilities of tokens and the final EOS (if any)
  double normalized_score = 0;  // (score - word_penalty * n) / n^length_penalty, n = tokens + 1
  // One row per token (the EOS step is left out), over that sentence's source tokens:
  // [tokens.size()][source length]. Empty unless return_alignment and the model attends.
  std::vector<std::vector<float>> attention;
};

// Sets the log-probabilities of BOS and padding to -inf in every row of a step's [rows, V]:
// an undertrained model may score them highly, and emitting them prints nothing while still
// taking an alignment link. unk_id >= 0 is forbidden too (BeamOptions::forbid_unk). Only the
// search's choice changes: the other tokens keep their log-probabilities, as in Marian.
void forbid_unemittable(Tensor& log_probs, int32_t bos_id, int32_t pad_id, int32_t unk_id = -1);

// One sentence's hypotheses, best normalized score first.
using NBest = std::vector<Hypothesis>;

// (score - word_penalty * length) / length^alpha, where length = tokens + 1 (the EOS): what
// Marian prints as a hypothesis's total.
double normalized_score(double score, int64_t tokens, float length_penalty,
                        float word_penalty = 0.0f);

// The most tokens (EOS excluded) a hypothesis for a source of this length may hold.
int64_t max_output_length(const BeamOptions& options, int64_t source_length);

// Row `row` of a step's attention [rows, S], cut to the row's own source length (the
// columns past it are padding or an EOS the model appended). Empty when undefined.
std::vector<float> source_attention_row(const Tensor& attention, int64_t row,
                                        int64_t source_length);

}  // namespace attn
