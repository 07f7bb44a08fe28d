#include "libattn/nn/gru.h"

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/nn/recurrent_init.h"

namespace attn {

GruCell::GruCell(int64_t input_size, int64_t hidden_size, Rng& rng)
    : weight_ih(recurrent_uniform({3 * hidden_size, input_size}, hidden_size, rng)),
      weight_hh(recurrent_uniform({3 * hidden_size, hidden_size}, hidden_size, rng)),
      bias_ih(recurrent_uniform({3 * hidden_size}, hidden_size, rng)),
      bias_hh(recurrent_uniform({3 * hidden_size}, hidden_size, rng)) {}

Var GruCell::project_input(const Var& x) const {
  return add(matmul(x, weight_ih, false, true), bias_ih);
}

Var GruCell::step(const Var& projected_input, const Var& h) const {
  const int64_t hidden = hidden_size();
  const std::vector<int64_t> sizes = {hidden, hidden, hidden};
  const std::vector<Var> gx = split(projected_input, -1, sizes);
  const std::vector<Var> gh = split(add(matmul(h, weight_hh, false, true), bias_hh), -1, sizes);
  const Var reset = sigmoid(add(gx[0], gh[0]));
  const Var update = sigmoid(add(gx[1], gh[1]));
  // The reset gate scales the recurrent part only, bias included (PyTorch's variant, which
  // differs from Cho et al.'s r ⊙ h inside the product: needed for weights to map 1:1).
  const Var candidate = tanh(add(gx[2], mul(reset, gh[2])));
  // (1 - z) n + z h, written n + z (h - n) to save an op.
  return add(candidate, mul(update, sub(h, candidate)));
}

void GruCell::collect_parameters(const std::string& prefix, const std::string& suffix,
                                 NamedParameters& out) const {
  out.emplace_back(join_name(prefix, "weight_ih" + suffix), weight_ih);
  out.emplace_back(join_name(prefix, "weight_hh" + suffix), weight_hh);
  out.emplace_back(join_name(prefix, "bias_ih" + suffix), bias_ih);
  out.emplace_back(join_name(prefix, "bias_hh" + suffix), bias_hh);
}

}  // namespace attn
