#include "libattn/attention/ntm_memory.h"

#include "libattn/autograd/circular_shift.h"
#include "libattn/autograd/cosine.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/softplus.h"
#include "libattn/core/error.h"

namespace attn {

namespace {

// Small enough not to move a weight that matters, large enough that log() stays finite.
constexpr float kSharpenEpsilon = 1e-6f;

// w vᵀ per row: [B, N] and [B, M] -> [B, N, M].
Var outer(const Var& w, const Var& v) {
  return mul(reshape(w, {w.dim(0), w.dim(1), 1}), reshape(v, {v.dim(0), 1, v.dim(1)}));
}

}  // namespace

Var content_addressing(const Var& memory, const Var& key, const Var& strength) {
  ATTN_CHECK(memory.rank() == 3 && key.rank() == 2 && key.dim(1) == memory.dim(2),
             "content_addressing: memory [B, N, M] and key [B, M], got {} and {}",
             shape_str(memory.shape()), shape_str(key.shape()));
  const Var similarity =
      cosine_similarity(reshape(key, {key.dim(0), 1, key.dim(1)}), memory);  // [B, N]
  return softmax(mul(similarity, strength));
}

Var interpolate(const Var& content, const Var& previous, const Var& gate) {
  return add(previous, mul(gate, sub(content, previous)));
}

Var sharpen(const Var& weights, const Var& gamma) {
  return softmax(mul(gamma, log(add_scalar(weights, kSharpenEpsilon))));
}

Var read_memory(const Var& memory, const Var& weights) {
  const int64_t batch = memory.dim(0), slots = memory.dim(1), width = memory.dim(2);
  return reshape(batched_matmul(reshape(weights, {batch, 1, slots}), memory), {batch, width});
}

Var write_memory(const Var& memory, const std::vector<Var>& weights, const std::vector<Var>& erase,
                 const std::vector<Var>& add_vectors) {
  ATTN_CHECK(weights.size() == erase.size() && weights.size() == add_vectors.size(),
             "write_memory: {} weightings, {} erase and {} add vectors", weights.size(),
             erase.size(), add_vectors.size());
  Var out = memory;
  for (size_t h = 0; h < weights.size(); ++h)
    out = mul(out, add_scalar(scale(outer(weights[h], erase[h]), -1.0f), 1.0f));
  for (size_t h = 0; h < weights.size(); ++h) out = add(out, outer(weights[h], add_vectors[h]));
  return out;
}

Var address(const Var& memory, const Var& previous, const NtmHeadParameters& p) {
  const Var content = content_addressing(memory, p.key, p.strength);
  return sharpen(circular_shift(interpolate(content, previous, p.gate), p.shift), p.sharpness);
}

NtmHead::NtmHead(NtmHeadKind kind, int64_t controller_size, int64_t memory_width,
                 int64_t shift_radius, Rng& rng)
    : kind(kind), memory_width(memory_width), shift_radius(shift_radius) {
  const int64_t outputs = memory_width + 3 + 2 * shift_radius + 1 +
                          (kind == NtmHeadKind::kWrite ? 2 * memory_width : 0);
  projection = Linear(controller_size, outputs, rng);
}

NtmHeadParameters NtmHead::emit(const Var& controller_output) const {
  const int64_t m = memory_width, shifts = 2 * shift_radius + 1;
  std::vector<int64_t> sizes = {m, 1, 1, shifts, 1};
  if (kind == NtmHeadKind::kWrite) sizes.insert(sizes.end(), {m, m});
  const std::vector<Var> parts = split(projection.forward(controller_output), -1, sizes);
  NtmHeadParameters p;
  p.key = parts[0];
  p.strength = softplus(parts[1]);
  p.gate = sigmoid(parts[2]);
  p.shift = softmax(parts[3]);
  p.sharpness = add_scalar(softplus(parts[4]), 1.0f);
  if (kind == NtmHeadKind::kWrite) {
    p.erase = sigmoid(parts[5]);
    p.add = tanh(parts[6]);
  }
  return p;
}

void NtmHead::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  projection.collect_parameters(prefix, out);
}

}  // namespace attn
