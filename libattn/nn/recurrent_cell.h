// One recurrent cell, GRU or LSTM, chosen by a config value: what the encoder and decoder
// stacks hold, so neither branches on the cell type.
//
//   RecurrentCell cell(CellType::kLstm, input_size, hidden_size, rng);
//   RecurrentState s = cell.zero_state(B);                 // h (and c for an LSTM) [B, H]
//   s = cell.step(cell.project_input(x), s);              // x [B, in]
//   s = masked_update(cell.step(gx_t, s), s, mask_t);     // mask_t [B, 1]: 1 real, 0 padding
#pragma once

#include <string>
#include <vector>

#include "libattn/nn/gru.h"
#include "libattn/nn/lstm.h"

namespace attn {

enum class CellType { kGru, kLstm };
const char* cell_type_name(CellType type);          // "gru" | "lstm"
CellType parse_cell_type(const std::string& name);  // throws InputError otherwise

struct RecurrentState {
  Var h;  // [B, H]
  Var c;  // [B, H]; LSTM only, undefined for a GRU
};

// Keeps `previous` on padded rows: h = m ⊙ h_new + (1 - m) ⊙ h_old with m [B, 1] in {0, 1},
// so a padded position leaves the state exactly as it was and a backward RNN starts at each
// sentence's real last token. The factors are exact 0s and 1s, so a padded row keeps its
// state to the bit and a real row takes the new one to the bit.
RecurrentState masked_update(const RecurrentState& updated, const RecurrentState& previous,
                             const Var& keep, const Var& keep_complement);

// A stack's initial states packed in one tensor (a bridge's output), [B, layers * H] or, for
// an LSTM, [B, layers * 2H] with h before c in each layer's slice: one state a layer.
std::vector<RecurrentState> split_layer_states(const Var& packed, CellType type, int64_t layers,
                                               int64_t hidden);

struct RecurrentCell {
  CellType type = CellType::kGru;
  GruCell gru;    // when type == kGru
  LstmCell lstm;  // when type == kLstm

  RecurrentCell() = default;
  RecurrentCell(CellType type, int64_t input_size, int64_t hidden_size, Rng& rng);

  int64_t hidden_size() const;
  Var project_input(const Var& x) const;  // [..., in] -> [..., 3H or 4H]
  RecurrentState step(const Var& projected_input, const RecurrentState& state) const;
  RecurrentState zero_state(int64_t batch) const;
  void collect_parameters(const std::string& prefix, const std::string& suffix,
                          NamedParameters& out) const;
};

}  // namespace attn
