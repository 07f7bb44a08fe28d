// attn-decode --synthetic: decoding throughput of a randomly initialised model of a preset's
// shape on random sources, with exactly --tgt-len tokens generated per sentence (EOS is
// suppressed), so every run does the same work as the PyTorch script in tests/bench.
//
//   attn-decode --synthetic --preset small --mini-batch 32 --beam-size 5 --src-len 30 --tgt-len 30
//   -> "attn-decode --synthetic: transformer, N parameters, ... tokens/s: 1234.5" on stderr
//   attn-decode --synthetic --compute-type int8 ...  # weight matrices in int8
//   attn-decode --synthetic -m rnn.attn ...   # any architecture: a model saved by
//                                             # attn-train --synthetic --save rnn.attn
#pragma once

#include <chrono>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/core/memory.h"
#include "libattn/decode/search.h"
#include "libattn/models/compute_type.h"
#include "libattn/models/registry.h"

namespace attn {

struct SyntheticDecodeOptions {
  std::string preset = "small";
  int64_t vocab = 8000;
  int64_t batch = 1;
  int64_t source_length = 30;
  int64_t target_length = 30;
  double seconds = 3;  // repeat whole batches until this much time has passed
  int beam_size = 1;
  uint64_t seed = 1;
  ComputeType compute_type = ComputeType::kFp32;  // --compute-type
};

// Forwards every call to the model but gives EOS a log-probability of -inf until `length`
// tokens are out: the search then always runs to its length limit.
class NoEndModel : public DecoderModel {
 public:
  NoEndModel(DecoderModel& model, int64_t length) : model_(model), length_(length) {}
  std::unique_ptr<DecoderState> encode(const std::vector<std::vector<int32_t>>& sources) override {
    steps_ = 0;
    return model_.encode(sources);
  }
  Tensor step(DecoderState& state, const std::vector<int32_t>& prev, Tensor* attention) override {
    Tensor log_probs = model_.step(state, prev, attention).contiguous();
    if (steps_++ >= length_) return log_probs;
    const int64_t rows = log_probs.dim(0), vocab = log_probs.dim(1);
    for (int64_t r = 0; r < rows; ++r) log_probs.data()[r * vocab + eos_id()] = -INFINITY;
    return log_probs;
  }
  void reorder(DecoderState& state, const std::vector<int32_t>& rows) override {
    model_.reorder(state, rows);
  }
  int32_t bos_id() const override { return model_.bos_id(); }
  int32_t eos_id() const override { return model_.eos_id(); }
  int64_t vocab_size() const override { return model_.vocab_size(); }

 private:
  DecoderModel& model_;
  int64_t length_;
  int64_t steps_ = 0;
};

// `model`: the model to time, or null for a random Transformer of options.preset's shape.
inline int run_synthetic_decode(const SyntheticDecodeOptions& options, Seq2SeqModel* model) {
  if (options.batch < 1) throw InputError("--mini-batch must be at least 1");
  if (options.beam_size < 1) throw InputError("--beam-size must be at least 1");
  if (options.source_length < 1) throw InputError("--src-len must be at least 1");
  if (options.target_length < 1) throw InputError("--tgt-len must be at least 1");
  if (options.vocab < 5) throw InputError("--vocab must be at least 5 (4 special tokens + 1)");
  if (!(options.seconds >= 0)) throw InputError("--seconds must be 0 or more");
  Rng rng(options.seed);
  std::unique_ptr<Seq2SeqModel> random_model;
  if (!model) {
    ConfigMap config = default_config("transformer", options.preset);
    config["src_vocab"] = config["tgt_vocab"] = std::to_string(options.vocab);
    random_model = create_model("transformer", config, rng);
    model = random_model.get();
  }
  const std::unique_ptr<Int8Weights> int8 = prepare_compute_type(*model, options.compute_type);
  NoEndModel no_end(*model, options.target_length);
  // Source ids from the model's own source vocabulary.
  const ConfigMap config = model->config_map();
  const auto src_vocab = config.find("src_vocab");
  const int64_t source_vocab =
      src_vocab == config.end() ? model->vocab_size() : std::stoll(src_vocab->second);
  std::vector<std::vector<int32_t>> sources(options.batch);
  for (auto& s : sources)
    for (int64_t i = 0; i < options.source_length; ++i)
      s.push_back(4 + static_cast<int32_t>(rng.below(source_vocab - 4)));
  BeamOptions beam;
  beam.beam_size = options.beam_size;
  beam.max_length = static_cast<int>(options.target_length);
  beam.max_length_factor = 0;
  NoGrad no_grad;
  auto decode_once = [&] { return search(no_end, sources, beam); };
  decode_once();  // warm-up: first-touch allocations
  int64_t rounds = 0, tokens = 0;
  const int64_t faults_before = minor_page_faults();
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (const NBest& n : decode_once()) tokens += n.empty() ? 0 : n[0].tokens.size();
    ++rounds;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < options.seconds);
  // Page faults in the timed rounds, a decoding step each output position: a buffer taken
  // afresh every step (and returned to the kernel after it) shows here.
  const double faults_per_step = static_cast<double>(minor_page_faults() - faults_before) /
                                 static_cast<double>(rounds * options.target_length);
  // What was run, as measured, not as asked: a test checks that every flag took effect.
  const int64_t parameters = count_parameters(model->parameters());
  fmt::print(stderr,
             "attn-decode --synthetic: {}, {} parameters, vocab {}; {} rounds of {} sentences "
             "of {} tokens, beam {}: {} tokens in {:.2f}s: {:.1f} sentences/s, tokens/s: {:.1f}, "
             "minor faults/step: {:.1f}, int8 matrices: {}\n",
             model->architecture(), parameters, model->vocab_size(), rounds, options.batch,
             sources.front().size(), options.beam_size, tokens, elapsed,
             rounds * options.batch / elapsed, tokens / elapsed, faults_per_step,
             int8 ? int8->count() : 0);
  return 0;
}

}  // namespace attn
