#include "libattn/attention/sagan.h"

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/softmax.h"
#include "libattn/core/error.h"

namespace attn {

SelfAttention2d::SelfAttention2d(int64_t channels, int64_t key_width, Rng& rng)
    : f(channels, key_width, rng, false),
      g(channels, key_width, rng, false),
      h(channels, key_width, rng, false),
      v(key_width, channels, rng, false),
      gamma(constant_parameter({1}, 0.0f)) {}

Var SelfAttention2d::forward(const Var& x, Tensor* attention) const {
  ATTN_CHECK(x.rank() == 3 && x.dim(2) == f.in_features(),
             "SelfAttention2d: expected [B, H·W, {}], got {}", f.in_features(),
             shape_str(x.shape()));
  const Var queries = g.forward(x);  // g(x_j): the attending position j asks
  const Var keys = f.forward(x);     // f(x_i): every position i answers
  const Var beta =
      softmax(batched_matmul(queries, keys, false, true));  // [B, P, P]: s_ij at (j, i)
  if (attention) *attention = beta.value().clone_heap();
  const Var o = v.forward(batched_matmul(beta, h.forward(x)));  // [B, P, C]
  return add(mul(gamma, o), x);
}

void SelfAttention2d::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  f.collect_parameters(join_name(prefix, "f"), out);
  g.collect_parameters(join_name(prefix, "g"), out);
  h.collect_parameters(join_name(prefix, "h"), out);
  v.collect_parameters(join_name(prefix, "v"), out);
  out.emplace_back(join_name(prefix, "gamma"), gamma);
}

}  // namespace attn
