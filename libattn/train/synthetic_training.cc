#include "libattn/train/synthetic_training.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "libattn/core/arena.h"
#include "libattn/core/memory.h"
#include "libattn/core/rng.h"
#include "libattn/data/batching.h"
#include "libattn/train/optimizer.h"
#include "libattn/train/train_step.h"

namespace attn {

std::unique_ptr<Seq2SeqModel> create_synthetic_model(const std::string& architecture,
                                                     ConfigMap config,
                                                     const SyntheticShape& shape, uint64_t seed) {
  config["src_vocab"] = config["tgt_vocab"] = std::to_string(shape.vocab);
  Rng init_rng(seed);
  return create_model(architecture, config, init_rng);
}

void run_synthetic_training(ModelBundle& bundle, const TrainerOptions& options,
                            const SyntheticShape& shape, Distributed& world) {
  const int64_t vocab = bundle.model->vocab_size();
  Rng data_rng(rank_seed(options.seed + 1, world.rank())), rng(rank_seed(options.seed, world.rank()));
  auto random_ids = [&](int64_t rows, int64_t cols, bool bos) {
    Tensor t = Tensor::empty({rows, cols}, DType::kI32);
    for (int64_t i = 0; i < rows * cols; ++i)
      t.ints()[i] = (bos && i % cols == 0) ? 2 : 4 + static_cast<int32_t>(data_rng.below(vocab - 4));
    return t;
  };
  Batch data;
  data.source = random_ids(shape.batch, shape.source_length, false);
  data.target_in = random_ids(shape.batch, shape.target_length, true);
  data.target_out = random_ids(shape.batch, shape.target_length, false);
  Adam adam(bundle.model->parameters(), options.adam);
  Arena arena;
  const int64_t steps = std::max<int64_t>(options.max_steps, 2);
  auto start = std::chrono::steady_clock::now();
  double communication_start = 0;
  // Page faults are counted after two steps: the first grows the arena, the second
  // takes it as one block.
  int64_t faults_before = 0;
  for (int64_t step = 0; step < steps; ++step) {
    if (step == 1) {
      start = std::chrono::steady_clock::now();
      communication_start = world.communication_seconds();
    }
    if (step == 2) faults_before = minor_page_faults();
    StepStats stats = train_step(*bundle.model, adam, options.schedule, {data}, options.step, rng,
                                 arena, world);
    if (!options.quiet) fmt::print(stderr, "step {:>4}  loss {:.4f}\n", step + 1, stats.loss);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double communication = world.communication_seconds() - communication_start;
  const double faults_per_step =
      steps > 2 ? double(minor_page_faults() - faults_before) / double(steps - 2) : 0.0;
  // The gradients' sum alone, every rank ready (no waiting for a slower one): the figure the
  // scaling estimate in README.md starts from. The best of 5, since on a shared machine noise
  // only ever slows a run down.
  double allreduce_seconds = 0;
  for (int r = 0; r < 5 && world.size() > 1; ++r) {
    world.any(false);  // the ranks leave together
    const auto begin = std::chrono::steady_clock::now();
    sum_gradients(world, adam.parameters());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    allreduce_seconds = r == 0 ? took : std::min(allreduce_seconds, took);
  }
  if (world.rank() != 0) return;
  const double rate =
      double(shape.batch * shape.target_length * (steps - 1) * world.size()) / seconds;
  fmt::print(stderr, "attn-train --synthetic: {} steps of {}x{}->{}: target tokens/s: {:.1f}",
             steps - 1, shape.batch, shape.source_length, shape.target_length, rate);
  if (steps > 2) fmt::print(stderr, ", minor faults/step: {:.1f}", faults_per_step);
  fmt::print(stderr, "\n");
  if (world.size() > 1) {
    const double bytes = 4.0 * static_cast<double>(count_parameters(bundle.model->parameters()));
    fmt::print(stderr,
               "attn-train --synthetic: {} ranks; share of time in MPI calls: {:.3f}; step: {:.1f} "
               "ms; gradient allreduce: {:.1f} MB in {:.2f} ms (bus bandwidth {:.2f} GB/s)\n",
               world.size(), communication / seconds, 1e3 * seconds / (steps - 1), bytes / 1e6,
               1e3 * allreduce_seconds,
               bytes / allreduce_seconds * 2 * (world.size() - 1) / world.size() / 1e9);
  }
  if (!options.save_path.empty()) {
    std::vector<std::string> tokens = Vocabulary().tokens();
    for (int64_t id = static_cast<int64_t>(tokens.size()); id < vocab; ++id)
      tokens.push_back("w" + std::to_string(id));
    bundle.source.vocab = bundle.target.vocab = Vocabulary::from_tokens(tokens);
    save_bundle(options.save_path, formats::FileKind::kModel, bundle);
  }
}

}  // namespace attn
