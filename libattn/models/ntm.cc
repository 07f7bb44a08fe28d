#include "libattn/models/ntm.h"

#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"
#include "libattn/decode/source_batch.h"

namespace attn {

namespace {

// Graves et al. 2014 do not say how memory starts; a small constant keeps every row's norm
// above cosine_similarity's eps, so the first content lookups are uniform, not undefined.
constexpr float kInitialMemory = 1e-6f;

// Bounds on the memory a decoded row holds (4 MiB of floats): far above the papers' 128 x 20,
// far below what a crafted file could otherwise make every row allocate.
constexpr int64_t kMaxMemorySlots = int64_t{1} << 16;
constexpr int64_t kMaxMemoryFloatsPerRow = int64_t{1} << 20;

// Every head starts focused on slot 0, so location-based addressing has a place to start
// from and the first write goes to a known slot.
Var first_slot_weighting(int64_t batch, int64_t slots) {
  Tensor w = Tensor::zeros({batch, slots});
  for (int64_t b = 0; b < batch; ++b) w[b * slots] = 1.0f;
  return Var(w);
}


const EnumNames<ControllerType> kControllerNames = {{ControllerType::kLstm, "lstm"},
                                                    {ControllerType::kGru, "gru"},
                                                    {ControllerType::kFeedForward, "feedforward"}};
const EnumNames<OutputFeed> kOutputFeedNames = {{OutputFeed::kPrevious, "previous"},
                                                {OutputFeed::kNone, "none"}};
}  // namespace

const char* controller_name(ControllerType type) { return enum_name(kControllerNames, type); }
const char* output_feed_name(OutputFeed feed) { return enum_name(kOutputFeedNames, feed); }

const ConfigFields<NtmConfig>& NtmConfig::fields() {
  using C = NtmConfig;
  static const ConfigFields<C> table = with_vocabulary_fields<C>({
      positive_field("embed", &C::embed, "embedding width E", {{"tiny", "16"}, {"base", "64"}}),
      choice_field("controller", &C::controller, kControllerNames, "the controller network"),
      positive_field("controller_size", &C::controller_size, "controller width H",
                     {{"tiny", "64"}, {"base", "256"}}),
      integer_field("memory_slots", &C::memory_slots, 1, kMaxMemorySlots, "memory rows N",
                    {{"tiny", "64"}}),
      positive_field("memory_width", &C::memory_width, "memory row width M",
                     {{"tiny", "16"}, {"base", "64"}}),
      positive_field("read_heads", &C::read_heads, "read heads R", {{"base", "2"}}),
      positive_field("write_heads", &C::write_heads, "write heads"),
      integer_field("shift_range", &C::shift_range, 0, kMaxConfigInteger,
                    "shifts -s..s of the location addressing (2s + 1 <= memory_slots)"),
      choice_field("output_feed", &C::output_feed, kOutputFeedNames,
                   "what the controller sees of the previous output"),
  });
  return table;
}

void NtmConfig::check_relations() const {
  // No tensor's size follows from memory_slots, so the load-time check of tensor bytes cannot
  // catch a crafted slot count: every decoded row allocates slots x width floats of memory.
  if (memory_slots * memory_width > kMaxMemoryFloatsPerRow)
    throw InputError(fmt::format(
        "ntm model config: memory_slots {} x memory_width {} exceeds {} floats per row",
        memory_slots, memory_width, kMaxMemoryFloatsPerRow));
  if (2 * shift_range + 1 > memory_slots)
    throw InputError(fmt::format(
        "ntm model config: shift_range {} needs 0 <= shift_range and 2 · shift_range + 1 <= "
        "memory_slots ({})",
        shift_range, memory_slots));
}

NtmSeq2Seq::NtmSeq2Seq(const NtmConfig& config, Rng& rng) : ConfiguredModel(config) {
  config.validate();
  const int64_t h = config.controller_size, reads = config.read_heads * config.memory_width;
  src_embedding_ = uniform_parameter({config.src_vocab, config.embed}, 0.1f, rng);
  tgt_embedding_ = uniform_parameter({config.tgt_vocab, config.embed}, 0.1f, rng);
  if (config.controller == ControllerType::kFeedForward) {
    feedforward_controller_ = Linear(config.embed + reads, h, rng);
  } else {
    const CellType cell =
        config.controller == ControllerType::kLstm ? CellType::kLstm : CellType::kGru;
    recurrent_controller_ = RecurrentCell(cell, config.embed + reads, h, rng);
  }
  for (int64_t i = 0; i < config.read_heads; ++i)
    read_heads_.emplace_back(NtmHeadKind::kRead, h, config.memory_width, config.shift_range, rng);
  for (int64_t i = 0; i < config.write_heads; ++i)
    write_heads_.emplace_back(NtmHeadKind::kWrite, h, config.memory_width, config.shift_range, rng);
  output_projection_ = Linear(h + reads, config.tgt_vocab, rng);
}

NtmRecurrence NtmSeq2Seq::initial_recurrence(int64_t batch) const {
  const int64_t slots = config_.memory_slots, width = config_.memory_width;
  NtmRecurrence r;
  if (config_.controller != ControllerType::kFeedForward)
    r.controller = recurrent_controller_.zero_state(batch);
  r.memory = Var(Tensor::full({batch, slots, width}, kInitialMemory));
  for (int64_t i = 0; i < config_.read_heads; ++i)
    r.read_weights.push_back(first_slot_weighting(batch, slots));
  for (int64_t i = 0; i < config_.write_heads; ++i)
    r.write_weights.push_back(first_slot_weighting(batch, slots));
  r.reads = Var(Tensor::zeros({batch, config_.read_heads * width}));
  return r;
}

Var NtmSeq2Seq::machine_step(const Var& x, NtmRecurrence& r) const {
  const Var input = concat({x, r.reads}, -1);  // [B, E + R·M]
  Var h;
  if (config_.controller == ControllerType::kFeedForward) {
    h = tanh(feedforward_controller_.forward(input));
  } else {
    r.controller =
        recurrent_controller_.step(recurrent_controller_.project_input(input), r.controller);
    h = r.controller.h;
  }
  // Every head addresses the memory as it was before this step's write; then the write,
  // then the reads see the memory with this step's token in it.
  std::vector<Var> erase, add_vectors;
  for (size_t i = 0; i < write_heads_.size(); ++i) {
    const NtmHeadParameters p = write_heads_[i].emit(h);
    r.write_weights[i] = address(r.memory, r.write_weights[i], p);
    erase.push_back(p.erase);
    add_vectors.push_back(p.add);
  }
  std::vector<NtmHeadParameters> read_parameters;
  for (const NtmHead& head : read_heads_) read_parameters.push_back(head.emit(h));
  for (size_t i = 0; i < read_heads_.size(); ++i)
    r.read_weights[i] = address(r.memory, r.read_weights[i], read_parameters[i]);
  r.memory = write_memory(r.memory, r.write_weights, erase, add_vectors);
  std::vector<Var> reads;
  for (const Var& w : r.read_weights) reads.push_back(read_memory(r.memory, w));
  r.reads = reads.size() == 1 ? reads[0] : concat(reads, -1);
  return output_projection_.forward(concat({h, r.reads}, -1));
}

void NtmSeq2Seq::read_source(const Tensor& src, NtmRecurrence& r,
                             std::vector<std::pair<Tensor, Tensor>>* trace) const {
  ATTN_CHECK(src.rank() == 2 && src.dtype() == DType::kI32 && src.dim(0) == r.memory.dim(0),
             "NtmSeq2Seq: source must be int32 [B, S] for {} rows, got {} {}", r.memory.dim(0),
             dtype_name(src.dtype()), shape_str(src.shape()));
  const int64_t batch = src.dim(0), length = src.dim(1);
  for (int64_t j = 0; j < length; ++j) {
    Tensor column = Tensor::empty({batch, 1}, DType::kI32);
    Tensor keep = Tensor::empty({batch, 1}), drop = Tensor::empty({batch, 1});
    bool any_padding = false;
    for (int64_t b = 0; b < batch; ++b) {
      column.ints()[b] = src.ints()[b * length + j];
      keep[b] = column.ints()[b] != 0 ? 1.0f : 0.0f;
      drop[b] = 1.0f - keep[b];
      any_padding = any_padding || keep[b] == 0.0f;
    }
    const NtmRecurrence previous = r;
    machine_step(reshape(embedding(src_embedding_, column), {batch, config_.embed}), r);
    if (any_padding) {
      // Padding steps keep the row's state exactly (factors are exact 0s and 1s).
      const Var k(keep), d(drop);
      const Var k3(keep.view({batch, 1, 1})), d3(drop.view({batch, 1, 1}));
      auto blend = [&](const Var& fresh, const Var& old, const Var& a, const Var& b) {
        return add(mul(a, fresh), mul(b, old));
      };
      if (r.controller.h.defined())
        r.controller = masked_update(r.controller, previous.controller, k, d);
      r.memory = blend(r.memory, previous.memory, k3, d3);
      for (size_t i = 0; i < r.read_weights.size(); ++i)
        r.read_weights[i] = blend(r.read_weights[i], previous.read_weights[i], k, d);
      for (size_t i = 0; i < r.write_weights.size(); ++i)
        r.write_weights[i] = blend(r.write_weights[i], previous.write_weights[i], k, d);
      r.reads = blend(r.reads, previous.reads, k, d);
    }
    if (trace) {
      Tensor read = r.read_weights[0].value().clone(), write = r.write_weights[0].value().clone();
      const int64_t slots = read.dim(1);
      for (int64_t i = 0; i < read.numel(); ++i)
        if (keep[i / slots] == 0.0f) read[i] = write[i] = 0.0f;
      trace->emplace_back(read, write);
    }
  }
}

Var NtmSeq2Seq::decode_step(const Tensor& prev_tokens, NtmRecurrence& r) const {
  const int64_t batch = prev_tokens.dim(0);
  ATTN_CHECK(prev_tokens.shape() == (Shape{r.memory.dim(0), 1}),
             "NtmSeq2Seq: previous tokens {} for {} rows", shape_str(prev_tokens.shape()),
             r.memory.dim(0));
  const bool blank = config_.output_feed == OutputFeed::kNone && r.output_steps > 0;
  ++r.output_steps;
  if (blank) return machine_step(Var(Tensor::zeros({batch, config_.embed})), r);
  return machine_step(reshape(embedding(tgt_embedding_, prev_tokens), {batch, config_.embed}), r);
}

Var NtmSeq2Seq::forward(const Tensor& src, const Tensor& tgt_in, const ForwardMode&,
                        std::map<std::string, Tensor>* attention) const {
  check_target(src, tgt_in, "NtmSeq2Seq");
  const int64_t batch = tgt_in.dim(0), steps = tgt_in.dim(1), length = src.dim(1);
  const int64_t slots = config_.memory_slots;
  NtmRecurrence r = initial_recurrence(batch);
  std::vector<std::pair<Tensor, Tensor>> trace;
  read_source(src, r, attention ? &trace : nullptr);
  Tensor output_reads, reads, writes;
  if (attention) {
    output_reads = Tensor::empty({batch, steps, slots});
    reads = Tensor::empty({batch, length + steps, slots});
    writes = Tensor::empty({batch, length + steps, slots});
    for (int64_t j = 0; j < length; ++j) {
      reads.slice(1, j, j + 1).copy_from(trace[j].first.view({batch, 1, slots}));
      writes.slice(1, j, j + 1).copy_from(trace[j].second.view({batch, 1, slots}));
    }
  }
  std::vector<Var> logits;
  for (int64_t t = 0; t < steps; ++t) {
    Tensor column = Tensor::empty({batch, 1}, DType::kI32);
    for (int64_t b = 0; b < batch; ++b) column.ints()[b] = tgt_in.ints()[b * steps + t];
    logits.push_back(decode_step(column, r));
    if (attention) {
      const Tensor read = r.read_weights[0].value().view({batch, 1, slots});
      output_reads.slice(1, t, t + 1).copy_from(read);
      reads.slice(1, length + t, length + t + 1).copy_from(read);
      writes.slice(1, length + t, length + t + 1)
          .copy_from(r.write_weights[0].value().view({batch, 1, slots}));
    }
  }
  if (attention) {
    (*attention)["attention"] = output_reads;
    (*attention)["read"] = reads;
    (*attention)["write"] = writes;
  }
  return stack(logits, 1);  // [B, T, V]
}

NamedParameters NtmSeq2Seq::parameters() const {
  NamedParameters out;
  out.emplace_back("encoder.embed_tokens.weight", src_embedding_);
  out.emplace_back("decoder.embed_tokens.weight", tgt_embedding_);
  if (config_.controller == ControllerType::kFeedForward)
    feedforward_controller_.collect_parameters("controller", out);
  else
    recurrent_controller_.collect_parameters("controller", "_l0", out);
  for (size_t i = 0; i < read_heads_.size(); ++i)
    read_heads_[i].collect_parameters("heads.read." + std::to_string(i), out);
  for (size_t i = 0; i < write_heads_.size(); ++i)
    write_heads_[i].collect_parameters("heads.write." + std::to_string(i), out);
  output_projection_.collect_parameters("output_projection", out);
  return out;
}

}  // namespace attn
