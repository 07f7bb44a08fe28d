#include "libattn/attention/scopes.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/softmax.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();
// τ = 1: the relaxation is the model's own attention distribution softmax(a + g), so the
// straight-through gradient is that of soft attention at the sampled noise.
constexpr float kGumbelTemperature = 1.0f;

// Index of the largest finite entry of row[0, n), or -1 when every entry is -infinity.
int64_t argmax_finite(const float* row, int64_t n) {
  int64_t best = -1;
  for (int64_t j = 0; j < n; ++j)
    if (row[j] != kMasked && (best < 0 || row[j] > row[best])) best = j;
  return best;
}

}  // namespace

const char* scope_name(ScopeType type) {
  switch (type) {
    case ScopeType::kGlobal:
      return "global";
    case ScopeType::kLocalM:
      return "local-m";
    case ScopeType::kLocalP:
      return "local-p";
    case ScopeType::kHard:
      return "hard";
    case ScopeType::kMonotonic:
      return "monotonic";
  }
  return "?";
}

ScopeType parse_scope(const std::string& name) {
  // Model files written before the flag spelling settled say "local_m" and "local_p".
  std::string spelling = name;
  std::replace(spelling.begin(), spelling.end(), '_', '-');
  for (ScopeType type : {ScopeType::kGlobal, ScopeType::kLocalM, ScopeType::kLocalP,
                         ScopeType::kHard, ScopeType::kMonotonic})
    if (spelling == scope_name(type)) return type;
  throw InputError("unknown attention scope '" + name +
                   "' (expected global, local-m, local-p, hard or monotonic)");
}

bool scope_uses_window(ScopeType type) {
  return type == ScopeType::kLocalM || type == ScopeType::kLocalP;
}

SourceMask SourceMask::from_lengths(const std::vector<int32_t>& lengths, int64_t source_length) {
  const int64_t batch = static_cast<int64_t>(lengths.size());
  SourceMask source{Tensor::empty({batch, source_length}), lengths};
  for (int64_t b = 0; b < batch; ++b) {
    ATTN_CHECK(lengths[b] >= 0 && lengths[b] <= source_length,
               "SourceMask: row {} has length {} outside [0, {}]", b, lengths[b], source_length);
    for (int64_t j = 0; j < source_length; ++j)
      source.additive[b * source_length + j] = j < lengths[b] ? 0.0f : kMasked;
  }
  return source;
}

SourceMask SourceMask::gather_rows(const std::vector<int32_t>& rows) const {
  SourceMask out{additive.gather_rows(rows), {}};
  for (int32_t row : rows) out.lengths.push_back(lengths.at(row));
  return out;
}

ScopeState ScopeState::gather_rows(const std::vector<int32_t>& rows) const {
  ScopeState out;
  out.step = step;
  if (!previous_position.empty())
    for (int32_t row : rows) out.previous_position.push_back(previous_position.at(row));
  return out;
}

Scope::Scope(ScopeType scope_type, int64_t hidden, int64_t half_width, Rng& rng)
    : type(scope_type), window(half_width) {
  if (scope_uses_window(type))
    ATTN_CHECK(window >= 1, "{} attention needs a window >= 1, got {}", scope_name(type), window);
  if (type == ScopeType::kLocalP) {
    position_hidden = Linear(hidden, hidden, rng, false);
    position_out = Linear(hidden, 1, rng, false);
  }
}

Var Scope::predicted_position(const Var& query, const SourceMask& source) const {
  const int64_t batch = query.dim(0);
  Tensor lengths = Tensor::empty({batch, 1});
  for (int64_t b = 0; b < batch; ++b) lengths[b] = static_cast<float>(source.lengths[b]);
  return mul(Var(lengths), sigmoid(position_out.forward(tanh(position_hidden.forward(query)))));
}

Var Scope::weights(const Var& scores, const Var& query, const SourceMask& source, ScopeState& state,
                   const ForwardMode& mode) const {
  const int64_t batch = scores.dim(0), length = scores.dim(1);
  ATTN_CHECK(source.additive.shape() == scores.shape(),
             "Scope: scores {} do not match the source mask {}", shape_str(scores.shape()),
             shape_str(source.additive.shape()));
  const int64_t t = state.step++;
  switch (type) {
    case ScopeType::kGlobal:
      return masked_softmax(scores, source.additive);
    case ScopeType::kLocalM: {
      // p_t = t, held at the last real token so a target longer than its source still
      // attends to the source's end rather than to nothing.
      std::vector<float> centres(batch);
      for (int64_t b = 0; b < batch; ++b)
        centres[b] = static_cast<float>(std::min<int64_t>(t, std::max(source.lengths[b] - 1, 0)));
      return masked_softmax(scores, window_mask(centres, window, source));
    }
    case ScopeType::kLocalP: {
      // The window is a hard cut (no gradient); the Gaussian carries the gradient to p_t.
      const Var centre = predicted_position(query, source);
      const std::vector<float> centres = centre.value().to_vector();
      const Var aligned = masked_softmax(scores, window_mask(centres, window, source));
      const float sigma = static_cast<float>(window) / 2.0f;
      return mul(aligned, gaussian_weighting(centre, length, sigma));
    }
    case ScopeType::kHard: {
      const Tensor noise =
          mode.training && mode.rng ? gumbel_noise(scores.shape(), *mode.rng) : Tensor();
      return straight_through_gumbel(scores, source.additive, noise, kGumbelTemperature);
    }
    case ScopeType::kMonotonic: {
      // Forced forward (Raffel et al. 2017 keep alignments monotonic; here as a hard mask):
      // positions before the previous step's argmax are removed.
      if (state.previous_position.empty()) state.previous_position.assign(batch, 0);
      Tensor mask = source.additive.clone();
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t j = 0; j < state.previous_position[b]; ++j) mask[b * length + j] = kMasked;
      Var weights = masked_softmax(scores, mask);
      const Tensor w = weights.value().contiguous();
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t best = argmax_finite(w.data() + b * length, length);
        if (best >= 0) state.previous_position[b] = static_cast<int32_t>(best);
      }
      return weights;
    }
  }
  throw Error("Scope::weights: unknown scope type");
}

void Scope::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  if (type != ScopeType::kLocalP) return;
  position_hidden.collect_parameters(join_name(prefix, "position_hidden"), out);
  position_out.collect_parameters(join_name(prefix, "position_out"), out);
}

Tensor window_mask(const std::vector<float>& centres, int64_t half_width,
                   const SourceMask& source) {
  const int64_t batch = source.additive.dim(0), length = source.additive.dim(1);
  ATTN_CHECK(static_cast<int64_t>(centres.size()) == batch, "window_mask: {} centres for {} rows",
             centres.size(), batch);
  Tensor mask = Tensor::empty({batch, length});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < length; ++j) {
      const bool inside = j < source.lengths[b] && std::abs(static_cast<float>(j) - centres[b]) <=
                                                       static_cast<float>(half_width);
      mask[b * length + j] = inside ? 0.0f : kMasked;
    }
  return mask;
}

Var gaussian_weighting(const Var& centre, int64_t source_length, float sigma) {
  Tensor positions = Tensor::empty({1, source_length});
  for (int64_t j = 0; j < source_length; ++j) positions[j] = static_cast<float>(j);
  const Var offset = sub(Var(positions), centre);  // [B, S]
  return exp(scale(mul(offset, offset), -1.0f / (2.0f * sigma * sigma)));
}

Var straight_through_gumbel(const Var& scores, const Tensor& mask_in, const Tensor& noise,
                            float temperature) {
  ATTN_CHECK(scores.rank() == 2 && mask_in.shape() == scores.shape(),
             "straight_through_gumbel: scores {} and mask {} must both be [B, S]",
             shape_str(scores.shape()), shape_str(mask_in.shape()));
  const Var perturbed = noise.defined() ? add(scores, Var(noise)) : scores;
  const Var soft = masked_softmax(scale(perturbed, 1.0f / temperature), mask_in);
  const int64_t batch = scores.dim(0), length = scores.dim(1);
  const Tensor logits = perturbed.value().contiguous();
  const Tensor mask = mask_in.contiguous();
  Tensor hard = Tensor::zeros({batch, length});
  std::vector<float> row(length);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t j = 0; j < length; ++j)
      row[j] = mask[b * length + j] == kMasked ? kMasked : logits[b * length + j];
    const int64_t best = argmax_finite(row.data(), length);
    if (best >= 0) hard[b * length + best] = 1.0f;
  }
  if (!soft.requires_grad()) return Var(hard);
  // hard = soft + (hard - soft): the value is the one-hot, the gradient is soft's.
  Tensor correction = Tensor::empty({batch, length});
  const Tensor relaxed = soft.value().contiguous();
  for (int64_t i = 0; i < batch * length; ++i) correction[i] = hard[i] - relaxed[i];
  return add(soft, Var(correction));
}

Tensor gumbel_noise(const Shape& shape, Rng& rng) {
  Tensor noise = Tensor::empty(shape);
  for (int64_t i = 0; i < noise.numel(); ++i) {
    // u in (0, 1): uniform() may return 0, whose log is -infinity.
    const float u = std::max(rng.uniform(), std::numeric_limits<float>::min());
    noise[i] = -std::log(-std::log(u));
  }
  return noise;
}

}  // namespace attn
