#include "libattn/nn/lstm.h"

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/linear.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/nn/recurrent_init.h"

namespace attn {

LstmCell::LstmCell(int64_t input_size, int64_t hidden_size, Rng& rng)
    : weight_ih(recurrent_uniform({4 * hidden_size, input_size}, hidden_size, rng)),
      weight_hh(recurrent_uniform({4 * hidden_size, hidden_size}, hidden_size, rng)),
      bias_ih(recurrent_uniform({4 * hidden_size}, hidden_size, rng)),
      bias_hh(recurrent_uniform({4 * hidden_size}, hidden_size, rng)) {}

Var LstmCell::project_input(const Var& x) const {
  return linear(x, weight_ih, bias_ih);
}

LstmState LstmCell::step(const Var& projected_input, const LstmState& state) const {
  const int64_t hidden = hidden_size();
  const Var gates = add(projected_input, linear(state.h, weight_hh, bias_hh));
  const std::vector<Var> g = split(gates, -1, {hidden, hidden, hidden, hidden});
  const Var input_gate = sigmoid(g[0]);
  const Var forget_gate = sigmoid(g[1]);
  const Var candidate = tanh(g[2]);
  const Var output_gate = sigmoid(g[3]);
  const Var c = add(mul(forget_gate, state.c), mul(input_gate, candidate));
  return {mul(output_gate, tanh(c)), c};
}

void LstmCell::collect_parameters(const std::string& prefix, const std::string& suffix,
                                  NamedParameters& out) const {
  out.emplace_back(join_name(prefix, "weight_ih" + suffix), weight_ih);
  out.emplace_back(join_name(prefix, "weight_hh" + suffix), weight_hh);
  out.emplace_back(join_name(prefix, "bias_ih" + suffix), bias_ih);
  out.emplace_back(join_name(prefix, "bias_hh" + suffix), bias_hh);
}

}  // namespace attn
