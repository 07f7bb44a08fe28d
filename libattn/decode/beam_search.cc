#include "libattn/decode/beam_search.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <queue>

#include "libattn/core/error.h"
#include "libattn/core/threads.h"

namespace attn {
namespace {

// A hypothesis is a chain of nodes back to BOS; beams share their common prefixes, so
// extending one costs O(1) whatever its length.
struct Node {
  int32_t token;
  std::vector<float> attention;  // over this sentence's source; empty without alignment
  std::shared_ptr<const Node> parent;
};

struct Live {
  double score = 0;
  int64_t length = 0;  // tokens so far, EOS excluded
  std::shared_ptr<const Node> tail;
};

struct Candidate {
  double score;
  int32_t live_index;  // which live hypothesis of the sentence it extends
  int32_t token;
};

// Strict order: higher score first; ties to the lower live index, then the lower token.
bool better(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.live_index != b.live_index) return a.live_index < b.live_index;
  return a.token < b.token;
}

struct SentenceSearch {
  std::vector<Live> live;
  std::vector<Hypothesis> finished;
  int64_t source_length = 0;
  int64_t limit = 0;
  bool done = false;
};

Hypothesis finish(const Live& parent, double score, const BeamOptions& options) {
  Hypothesis hyp;
  hyp.score = score;
  hyp.normalized_score =
      normalized_score(score, parent.length, options.length_penalty, options.word_penalty);
  hyp.tokens.resize(parent.length);
  bool has_attention = parent.tail && !parent.tail->attention.empty();
  if (has_attention) hyp.attention.resize(parent.length);
  int64_t i = parent.length;
  for (const Node* node = parent.tail.get(); node != nullptr; node = node->parent.get()) {
    --i;
    hyp.tokens[i] = node->token;
    if (has_attention) hyp.attention[i] = node->attention;
  }
  return hyp;
}

constexpr int32_t kBlock = 16;

// A float f such that any log-probability x < f gives hyp_score + x < bar in double: bar -
// hyp_score lowered by far more than the double rounding of the sums (1e-6 relative), then
// rounded to float and stepped down once more. -inf while the heap has room.
float float_bar(double bar, double hyp_score) {
  if (bar == -INFINITY) return -INFINITY;
  const double lowered = (bar - hyp_score) - 1e-6 * (1.0 + std::fabs(bar));
  return std::nextafter(static_cast<float>(lowered), -INFINITY);
}

// The best `count` continuations of a sentence's live hypotheses, best first. A partial
// selection in one pass over beam x vocabulary: a bounded heap whose worst entry is the bar a
// candidate must reach, so nearly every entry costs one add and one compare.
std::vector<Candidate> top_candidates(const SentenceSearch& sentence, const float* log_probs,
                                      int64_t vocab, int32_t eos, size_t count) {
  auto worse_on_top = [](const Candidate& a, const Candidate& b) { return better(a, b); };
  std::vector<Candidate> storage;
  storage.reserve(count + 1);
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(worse_on_top)> heap(
      worse_on_top, std::move(storage));
  // Candidates scoring below `bar` cannot enter: the heap is full and its worst is better.
  // An equal score may still win its tie (lower live index, then lower token), so better()
  // decides those.
  double bar = -INFINITY;
  auto offer = [&](const Candidate& c) {
    if (c.score == -INFINITY) return;
    if (heap.size() < count) {
      heap.push(c);
    } else if (better(c, heap.top())) {
      heap.pop();
      heap.push(c);
    }
    if (heap.size() == count) bar = heap.top().score;
  };
  for (size_t i = 0; i < sentence.live.size(); ++i) {
    const Live& hyp = sentence.live[i];
    const float* row = log_probs + static_cast<int64_t>(i) * vocab;
    const auto live_index = static_cast<int32_t>(i);
    if (hyp.length >= sentence.limit) {
      offer({hyp.score + row[eos], live_index, eos});
      continue;
    }
    // Most of the vocabulary is far below the bar: a block of 16 log-probabilities is
    // skipped on one vectorised float compare with a threshold a little under bar - score,
    // so only a block holding a possible entrant takes the exact double path above.
    float skip_below = float_bar(bar, hyp.score);
    int32_t v = 0;
    for (; v + kBlock <= vocab; v += kBlock) {
      bool any = false;
      for (int32_t l = 0; l < kBlock; ++l) any |= row[v + l] >= skip_below;
      if (!any) continue;
      for (int32_t l = v; l < v + kBlock; ++l) {
        const double score = hyp.score + row[l];
        if (score >= bar) offer({score, live_index, l});
      }
      skip_below = float_bar(bar, hyp.score);
    }
    for (; v < vocab; ++v) {
      const double score = hyp.score + row[v];
      if (score >= bar) offer({score, live_index, v});
    }
  }
  std::vector<Candidate> out;
  out.reserve(heap.size());
  for (; !heap.empty(); heap.pop()) out.push_back(heap.top());
  std::reverse(out.begin(), out.end());
  return out;
}

// Rule (c) of the header: can any live hypothesis still enter the n-best list?
bool live_can_improve(const SentenceSearch& sentence, const BeamOptions& options) {
  if (static_cast<int>(sentence.finished.size()) < options.n_best) return true;
  // The bound below holds for score / length^alpha; a word penalty can make a longer
  // hypothesis gain, so with one the search runs until the beam is spent, as Marian's does.
  if (options.word_penalty != 0.0f) return true;
  std::vector<double> finished_scores;
  for (const Hypothesis& h : sentence.finished) finished_scores.push_back(h.normalized_score);
  std::nth_element(finished_scores.begin(), finished_scores.begin() + (options.n_best - 1),
                   finished_scores.end(), std::greater<double>());
  const double nth_best = finished_scores[options.n_best - 1];
  for (const Live& hyp : sentence.live) {
    const double bound =
        std::max(normalized_score(hyp.score, hyp.length, options.length_penalty),
                 normalized_score(hyp.score, sentence.limit, options.length_penalty));
    if (bound > nth_best) return true;
  }
  return false;
}

}  // namespace

std::vector<NBest> beam_search(DecoderModel& model,
                               const std::vector<std::vector<int32_t>>& sources,
                               const BeamOptions& options) {
  ATTN_CHECK(options.beam_size >= 1, "beam_size must be >= 1, got {}", options.beam_size);
  ATTN_CHECK(options.n_best >= 1 && options.n_best <= options.beam_size,
             "n_best must be in [1, beam_size = {}], got {}", options.beam_size, options.n_best);
  const auto sentences = static_cast<int64_t>(sources.size());
  std::vector<NBest> results(sentences);
  if (sentences == 0) return results;

  std::vector<SentenceSearch> search(sentences);
  for (int64_t s = 0; s < sentences; ++s) {
    search[s].source_length = static_cast<int64_t>(sources[s].size());
    search[s].limit = max_output_length(options, search[s].source_length);
    search[s].live.push_back(Live{});
  }
  std::unique_ptr<DecoderState> state = model.encode(sources);
  const int32_t eos = model.eos_id();
  const int64_t vocab = model.vocab_size();
  const auto beam = static_cast<size_t>(options.beam_size);
  std::vector<int32_t> prev_tokens(sentences, model.bos_id());

  while (!prev_tokens.empty()) {
    const auto rows = static_cast<int64_t>(prev_tokens.size());
    Tensor attention;
    Tensor log_probs =
        model.step(*state, prev_tokens, options.return_alignment ? &attention : nullptr)
            .contiguous();
    ATTN_CHECK(log_probs.rank() == 2 && log_probs.dim(0) == rows && log_probs.dim(1) == vocab,
               "beam_search: step returned {}, expected [{}, {}]", shape_str(log_probs.shape()),
               rows, vocab);
    forbid_unemittable(log_probs, model.bos_id(), model.pad_id(),
                       options.forbid_unk ? model.unk_id() : -1);

    // Each live sentence's best continuations, sentences split across the pool (each
    // selection reads only its own rows, so the result does not depend on the split).
    std::vector<int64_t> first_rows(sentences, 0);  // a sentence's first row in this step
    for (int64_t s = 0, row = 0; s < sentences; ++s) {
      first_rows[s] = row;
      if (!search[s].done) row += static_cast<int64_t>(search[s].live.size());
    }
    std::vector<std::vector<Candidate>> all_candidates(sentences);
    parallel_for(sentences, [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) {
        if (search[s].done) continue;
        all_candidates[s] = top_candidates(search[s], log_probs.data() + first_rows[s] * vocab,
                                           vocab, eos, 2 * beam);
      }
    });

    std::vector<int32_t> parent_rows;  // the old row each new row continues
    std::vector<int32_t> next_tokens;
    for (int64_t s = 0; s < sentences; ++s) {
      SentenceSearch& sentence = search[s];
      if (sentence.done) continue;
      const int64_t first_row = first_rows[s];
      const std::vector<Candidate>& candidates = all_candidates[s];
      // Each finished hypothesis takes one place of the sentence's beam for good (as in
      // Marian): the live ones shrink to the best few, so a run of weak hypotheses that end
      // early cannot crowd out the strong one that is still going.
      const size_t width = beam - sentence.finished.size();
      std::vector<Live> next_live;
      for (size_t rank = 0; rank < candidates.size() && next_live.size() < width; ++rank) {
        const Candidate& c = candidates[rank];
        const Live& parent = sentence.live[c.live_index];
        if (c.token == eos) {
          if (rank < width)
            sentence.finished.push_back(finish(parent, c.score, options));
          continue;
        }
        const int64_t row = first_row + c.live_index;
        auto node = std::make_shared<Node>(Node{
            c.token, source_attention_row(attention, row, sentence.source_length), parent.tail});
        Live extended{c.score, parent.length + 1, std::move(node)};
        if (options.stop_at_limit && extended.length >= sentence.limit) {
          // CTranslate2's rule: at the limit the first `width` ranks end as they are.
          if (rank < width) sentence.finished.push_back(finish(extended, c.score, options));
          continue;
        }
        next_live.push_back(std::move(extended));
        parent_rows.push_back(static_cast<int32_t>(row));
        next_tokens.push_back(c.token);
      }
      sentence.live = std::move(next_live);
      sentence.done = sentence.finished.size() >= beam || sentence.live.empty() ||
                      !live_can_improve(sentence, options);
      if (sentence.done) {
        parent_rows.resize(parent_rows.size() - sentence.live.size());
        next_tokens.resize(next_tokens.size() - sentence.live.size());
        sentence.live.clear();
      }
    }
    if (parent_rows.empty()) break;
    bool identity = static_cast<int64_t>(parent_rows.size()) == rows;
    for (size_t i = 0; identity && i < parent_rows.size(); ++i) {
      identity = parent_rows[i] == static_cast<int32_t>(i);
    }
    if (!identity) model.reorder(*state, parent_rows);
    prev_tokens = std::move(next_tokens);
  }

  for (int64_t s = 0; s < sentences; ++s) {
    std::vector<Hypothesis>& finished = search[s].finished;
    std::stable_sort(finished.begin(), finished.end(),
                     [](const Hypothesis& a, const Hypothesis& b) {
                       return a.normalized_score > b.normalized_score;
                     });
    if (static_cast<int>(finished.size()) > options.n_best) finished.resize(options.n_best);
    results[s] = std::move(finished);
  }
  return results;
}

}  // namespace attn
