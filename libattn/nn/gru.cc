#include "libattn/nn/gru.h"

#include "libattn/autograd/gru_gates.h"
#include "libattn/autograd/linear.h"
#include "libattn/nn/recurrent_init.h"

namespace attn {

GruCell::GruCell(int64_t input_size, int64_t hidden_size, Rng& rng)
    : weight_ih(recurrent_uniform({3 * hidden_size, input_size}, hidden_size, rng)),
      weight_hh(recurrent_uniform({3 * hidden_size, hidden_size}, hidden_size, rng)),
      bias_ih(recurrent_uniform({3 * hidden_size}, hidden_size, rng)),
      bias_hh(recurrent_uniform({3 * hidden_size}, hidden_size, rng)) {}

Var GruCell::project_input(const Var& x) const {
  return linear(x, weight_ih, bias_ih);
}

Var GruCell::step(const Var& projected_input, const Var& h) const {
  // The reset gate scales the recurrent part only, bias included (PyTorch's variant, which
  // differs from Cho et al.'s r ⊙ h inside the product: needed for weights to map 1:1).
  return gru_gates(projected_input, linear(h, weight_hh, bias_hh), h);
}

void GruCell::collect_parameters(const std::string& prefix, const std::string& suffix,
                                 NamedParameters& out) const {
  out.emplace_back(join_name(prefix, "weight_ih" + suffix), weight_ih);
  out.emplace_back(join_name(prefix, "weight_hh" + suffix), weight_hh);
  out.emplace_back(join_name(prefix, "bias_ih" + suffix), bias_ih);
  out.emplace_back(join_name(prefix, "bias_hh" + suffix), bias_hh);
}

}  // namespace attn
