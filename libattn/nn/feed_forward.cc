#include "libattn/nn/feed_forward.h"

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"

namespace attn {

FeedForward::FeedForward(int64_t dim, int64_t hidden, Rng& rng)
    : fc1(dim, hidden, rng), fc2(hidden, dim, rng) {}

Var FeedForward::forward(const Var& x, float dropout_p, const ForwardMode& mode) const {
  Var hidden = relu(fc1.forward(x));
  if (mode.training && dropout_p > 0) hidden = dropout(hidden, dropout_p, *mode.rng, true);
  return fc2.forward(hidden);
}

void FeedForward::collect_parameters(const std::string& prefix, NamedParameters& out) const {
  fc1.collect_parameters(join_name(prefix, "fc1"), out);
  fc2.collect_parameters(join_name(prefix, "fc2"), out);
}

}  // namespace attn
