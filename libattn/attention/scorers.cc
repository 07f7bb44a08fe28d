#include "libattn/attention/scorers.h"

#include <algorithm>

#include <cmath>

#include "libattn/autograd/additive_scores.h"
#include "libattn/autograd/cosine.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

// softplus(x) = max(x, 0) + log(1 + exp(-|x|)): never overflows, unlike log(1 + exp(x)).
Var softplus(const Var& x) {
  const Var positive = relu(x);
  const Var magnitude = add(positive, relu(scale(x, -1.0f)));
  return add(positive, log(add_scalar(exp(scale(magnitude, -1.0f)), 1.0f)));
}

// s · k_j for every j: [B, H] against [B, S, H] -> [B, S], one batched GEMM.
Var dot_scores(const Var& query, const Var& keys) {
  const int64_t batch = query.dim(0), width = query.dim(1);
  return reshape(batched_matmul(reshape(query, {batch, 1, width}), keys, false, true),
                 {batch, keys.dim(1)});
}

}  // namespace

const char* scorer_name(ScorerType type) {
  switch (type) {
    case ScorerType::kDot:
      return "dot";
    case ScorerType::kGeneral:
      return "general";
    case ScorerType::kConcat:
      return "concat";
    case ScorerType::kScaledDot:
      return "scaled-dot";
    case ScorerType::kLocation:
      return "location";
    case ScorerType::kCosine:
      return "cosine";
  }
  return "?";
}

ScorerType parse_scorer(const std::string& name) {
  // Model files written before the flag spelling settled say "scaled_dot".
  std::string spelling = name;
  std::replace(spelling.begin(), spelling.end(), '_', '-');
  for (ScorerType type : {ScorerType::kDot, ScorerType::kGeneral, ScorerType::kConcat,
                          ScorerType::kScaledDot, ScorerType::kLocation, ScorerType::kCosine})
    if (spelling == scorer_name(type)) return type;
  if (spelling == "additive") return ScorerType::kConcat;
  throw InputError("unknown attention scorer '" + name +
                   "' (expected dot, general, concat (or additive), scaled-dot, location or "
                   "cosine)");
}

Scorer::Scorer(ScorerType scorer_type, int64_t hidden, int64_t max_source_length, Rng& rng,
               int64_t memory_size)
    : type(scorer_type) {
  ATTN_CHECK(memory_size == 0 || memory_size == hidden || type == ScorerType::kConcat,
             "Scorer: only concat attention compares states of different widths ({} vs {})",
             hidden, memory_size);
  const int64_t memory = memory_size > 0 ? memory_size : hidden;
  switch (type) {
    case ScorerType::kGeneral:
      linear_in = Linear(hidden, hidden, rng, false);
      break;
    case ScorerType::kConcat:
      linear_in = Linear(memory, memory, rng, false);
      linear_query = Linear(hidden, memory, rng, true);
      v = Linear(memory, 1, rng, false);
      break;
    case ScorerType::kLocation:
      ATTN_CHECK(max_source_length > 0, "location scorer needs max_source_length > 0");
      linear_location = Linear(hidden, max_source_length, rng, true);
      break;
    case ScorerType::kCosine:
      linear_sharpness = Linear(hidden, 1, rng, true);
      break;
    case ScorerType::kDot:
    case ScorerType::kScaledDot:
      break;
  }
}

Var Scorer::keys(const Var& memory) const {
  if (type == ScorerType::kGeneral || type == ScorerType::kConcat) return linear_in.forward(memory);
  return memory;
}

Var Scorer::score(const Var& query, const Var& keys) const {
  const int64_t batch = query.dim(0), width = query.dim(1), length = keys.dim(1);
  switch (type) {
    case ScorerType::kDot:
    case ScorerType::kGeneral:
      return dot_scores(query, keys);
    case ScorerType::kScaledDot:
      // Scaled so the scores' variance does not grow with H and saturate the softmax.
      return scale(dot_scores(query, keys), 1.0f / std::sqrt(static_cast<float>(width)));
    case ScorerType::kConcat: {
      // v · tanh(W1 h_j + W2 s) for all j at once, one fused op over [B, S, H].
      return additive_scores(keys, linear_query.forward(query), v.weight);
    }
    case ScorerType::kLocation: {
      const int64_t positions = linear_location.out_features();
      if (length > positions)
        throw InputError(fmt::format(
            "source of {} tokens is longer than the location scorer's max_source_length {}; "
            "split the sentence or train with a larger max_source_length",
            length, positions));
      return slice(linear_location.forward(query), 1, 0, length);
    }
    case ScorerType::kCosine: {
      // NTM content addressing: β ≥ 0 sharpens (β > 1) or flattens the cosine match.
      const Var sharpness = softplus(linear_sharpness.forward(query));  // [B, 1]
      return mul(sharpness, cosine_similarity(reshape(query, {batch, 1, width}), keys));
    }
  }
  throw Error("Scorer::score: unknown scorer type");
}

void Scorer::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  switch (type) {
    case ScorerType::kGeneral:
      linear_in.collect_parameters(join_name(prefix, "linear_in"), out);
      break;
    case ScorerType::kConcat:
      linear_in.collect_parameters(join_name(prefix, "linear_context"), out);
      linear_query.collect_parameters(join_name(prefix, "linear_query"), out);
      v.collect_parameters(join_name(prefix, "v"), out);
      break;
    case ScorerType::kLocation:
      linear_location.collect_parameters(join_name(prefix, "linear_location"), out);
      break;
    case ScorerType::kCosine:
      linear_sharpness.collect_parameters(join_name(prefix, "linear_sharpness"), out);
      break;
    case ScorerType::kDot:
    case ScorerType::kScaledDot:
      break;
  }
}

}  // namespace attn
