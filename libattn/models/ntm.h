// Neural Turing machine as a sequence-to-sequence model (Graves et al. 2014): a controller
// (LSTM, GRU or feed-forward) with read and write heads on an N × M memory
// (libattn/attention/ntm_memory.h).
//
//   NtmConfig config = NtmConfig::preset("small");   // LSTM 100, memory 128 × 20, 1 + 1 heads
//   config.src_vocab = config.tgt_vocab = 12;
//   NtmSeq2Seq model(config, rng);
//   Var logits = model.forward(src, tgt_in, {true, &rng});  // [B, T, V]
//
// One machine step, for input token y (Graves et al. §4 run the copy task this way):
//   x_t  = [E y; r_{t-1}]                           controller input: token + last reads
//   h_t  = controller(x_t, h_{t-1})                 [B, H]
//   M_t  = write(M_{t-1}, write heads(h_t))         erase then add
//   r_t  = read(M_t, read heads(h_t))               [B, R·M]
//   o_t  = W_o [h_t; r_t] + b_o                     logits [B, V]
// The machine first reads the source, one token a step with outputs ignored (the input
// phase: it can only store what it will need in memory), then the target's BOS, the
// delimiter, and from then on it emits the output one token a step. What it is fed after the
// delimiter is config.output_feed: its previous output token (OutputFeed::kPrevious), or
// nothing, a zero vector (OutputFeed::kNone, as Graves et al. 2014 §4.1 feed the copy task),
// so that the memory is its only way back to the input. The decoding state is everything a step
// carries: controller state, memory, head weightings and reads, which reorder() copies.
//
// step()'s attention, and forward()'s "attention" map [B, T, N], are the first read head's
// weighting over the N memory slots during the output phase (the searches keep its first S
// columns as a hypothesis's alignment; examples/copy/ntm_trace.py draws all of them).
// forward() also fills "read" and "write" [B, S + T, N]: the first read and write heads'
// weightings over the whole run (the picture of Graves et al. Fig. 6), input phase first;
// padded source steps are zero rows.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libattn/attention/ntm_memory.h"
#include "libattn/models/seq2seq_model.h"
#include "libattn/nn/recurrent_cell.h"

namespace attn {

enum class ControllerType { kLstm, kGru, kFeedForward };
const char* controller_name(ControllerType type);  // "lstm" | "gru" | "feedforward"

// What the controller sees at an output step after the delimiter.
enum class OutputFeed { kPrevious, kNone };
const char* output_feed_name(OutputFeed feed);  // "previous" | "none"

struct NtmConfig : TableConfig<NtmConfig> {
  static constexpr const char* kArchitecture = "ntm";
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t embed = 32;  // E
  ControllerType controller = ControllerType::kLstm;
  int64_t controller_size = 100;  // H
  int64_t memory_slots = 128;     // N
  int64_t memory_width = 20;      // M
  int64_t read_heads = 1;         // R heads
  int64_t write_heads = 1;
  int64_t shift_range = 1;  // shifts -shift_range..shift_range (Graves et al. use -1, 0, 1)
  // kNone: the controller cannot carry the input past the memory by way of the previous
  // output token; fed it, an LSTM controller learned to copy from its own state instead
  // (examples/copy/README.md).
  OutputFeed output_feed = OutputFeed::kPrevious;

  // tiny (E 16, H 64, memory 64 × 16) | small (the copy task of Graves et al. §4.1: one LSTM
  // layer of 100, memory 128 × 20, one read and one write head) | base (E 64, H 256,
  // memory 128 × 64, two read heads). Vocabulary sizes stay 0 for the data to set.
  // Every field once (config_fields.h); preset, to_map, from_map and validate derive from it.
  static const ConfigFields<NtmConfig>& fields();
  void check_relations() const;  // what one field's bounds cannot say
};

// What one machine step carries to the next.
struct NtmRecurrence {
  RecurrentState controller;       // h (and c) [B, H]; unset for a feed-forward controller
  Var memory;                      // [B, N, M]
  std::vector<Var> read_weights;   // per read head [B, N]
  std::vector<Var> write_weights;  // per write head [B, N]
  Var reads;                       // r_t of every read head, concatenated [B, R·M]
  int64_t output_steps = 0;        // decode_step()s taken (the first is the delimiter's)

  void reorder(const std::vector<int32_t>& rows);  // values only; decoding's RowState
};

class NtmSeq2Seq : public ConfiguredModel<NtmConfig> {
 public:
  NtmSeq2Seq(const NtmConfig& config, Rng& rng);

  NamedParameters parameters() const override;
  // src [B, S], tgt_in [B, T] -> [B, T, V]; `attention` gets "attention" [B, T, N] and
  // "read", "write" [B, S + T, N].
  Var forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode& mode,
              std::map<std::string, Tensor>* attention = nullptr) const override;

  NtmRecurrence initial_recurrence(int64_t batch) const;
  // The input phase: one step per source column (src [B, S], right-padded); a padded step
  // leaves its row's state exactly as it was. `trace`, when given, receives the first read
  // and write heads' weightings of every column ([B, N] each, zeros on padding).
  void read_source(const Tensor& src, NtmRecurrence& recurrence,
                   std::vector<std::pair<Tensor, Tensor>>* trace = nullptr) const;
  // The output phase: prev_tokens int32 [B, 1] (BOS first) -> logits [B, V]; advances
  // `recurrence`. With OutputFeed::kNone every step after the first ignores prev_tokens.
  Var decode_step(const Tensor& prev_tokens, NtmRecurrence& recurrence) const;

  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override;
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev_tokens,
              Tensor* attention) override;

 private:
  // One machine step on an embedded input x [B, E]: returns the logits.
  Var machine_step(const Var& x, NtmRecurrence& recurrence) const;

  Var src_embedding_;                   // [V_src, E]
  Var tgt_embedding_;                   // [V_tgt, E]
  RecurrentCell recurrent_controller_;  // LSTM or GRU: reads [E + R·M]
  Linear feedforward_controller_;       // feed-forward: tanh(W x + b), [H, E + R·M]
  std::vector<NtmHead> read_heads_;
  std::vector<NtmHead> write_heads_;
  Linear output_projection_;  // [V, H + R·M]
};

}  // namespace attn
