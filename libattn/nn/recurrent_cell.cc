#include "libattn/nn/recurrent_cell.h"

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"

namespace attn {

const char* cell_type_name(CellType type) { return type == CellType::kGru ? "gru" : "lstm"; }

CellType parse_cell_type(const std::string& name) {
  if (name == "gru") return CellType::kGru;
  if (name == "lstm") return CellType::kLstm;
  throw InputError("unknown recurrent cell '" + name + "' (expected gru or lstm)");
}

std::vector<RecurrentState> split_layer_states(const Var& packed, CellType type, int64_t layers,
                                               int64_t hidden) {
  const bool lstm = type == CellType::kLstm;
  const int64_t parts = layers * (lstm ? 2 : 1);
  const std::vector<Var> slices = split(packed, -1, std::vector<int64_t>(parts, hidden));
  std::vector<RecurrentState> states;
  for (int64_t l = 0; l < layers; ++l) {
    RecurrentState state;
    state.h = slices[lstm ? 2 * l : l];
    if (lstm) state.c = slices[2 * l + 1];
    states.push_back(state);
  }
  return states;
}

RecurrentState masked_update(const RecurrentState& updated, const RecurrentState& previous,
                             const Var& keep, const Var& keep_complement) {
  auto blend = [&](const Var& fresh, const Var& old) {
    return add(mul(keep, fresh), mul(keep_complement, old));
  };
  RecurrentState out;
  out.h = blend(updated.h, previous.h);
  if (updated.c.defined()) out.c = blend(updated.c, previous.c);
  return out;
}

RecurrentCell::RecurrentCell(CellType cell_type, int64_t input_size, int64_t hidden_size, Rng& rng)
    : type(cell_type) {
  if (type == CellType::kGru)
    gru = GruCell(input_size, hidden_size, rng);
  else
    lstm = LstmCell(input_size, hidden_size, rng);
}

int64_t RecurrentCell::hidden_size() const {
  return type == CellType::kGru ? gru.hidden_size() : lstm.hidden_size();
}

Var RecurrentCell::project_input(const Var& x) const {
  return type == CellType::kGru ? gru.project_input(x) : lstm.project_input(x);
}

RecurrentState RecurrentCell::step(const Var& projected_input, const RecurrentState& state) const {
  if (type == CellType::kGru) return {gru.step(projected_input, state.h), Var()};
  LstmState next = lstm.step(projected_input, {state.h, state.c});
  return {next.h, next.c};
}

RecurrentState RecurrentCell::zero_state(int64_t batch) const {
  RecurrentState state;
  state.h = Var(Tensor::zeros({batch, hidden_size()}));
  if (type == CellType::kLstm) state.c = Var(Tensor::zeros({batch, hidden_size()}));
  return state;
}

void RecurrentCell::collect_parameters(const std::string& prefix, const std::string& suffix,
                                       NamedParameters& out) const {
  if (type == CellType::kGru)
    gru.collect_parameters(prefix, suffix, out);
  else
    lstm.collect_parameters(prefix, suffix, out);
}

}  // namespace attn
