// attn-train --synthetic: the training throughput benchmark. A fresh model trains on one batch
// of random ids of a fixed shape (under mpirun each rank on its own such batch), and the
// target tokens/s over every step but the first (which pays for first-touch allocation) go to
// stderr with the page faults a step; under mpirun also the share of time in MPI calls and the
// gradients' allreduce alone.
//
//   SyntheticShape shape{64, 30, 30, 8000};    // --batch --src-len --tgt-len --vocab
//   bundle.model = create_synthetic_model("transformer", config, shape, seed);
//   run_synthetic_training(bundle, trainer_options, shape, world);
//
// With options.save_path it saves the trained model, with placeholder vocabularies ("w4",
// "w5", ...), for `attn-decode --synthetic -m`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"
#include "libattn/train/distributed.h"
#include "libattn/train/trainer.h"

namespace attn {

struct SyntheticShape {
  int64_t batch = 64;          // sentences a batch
  int64_t source_length = 30;  // tokens a source
  int64_t target_length = 30;  // tokens a target
  int64_t vocab = 8000;        // source and target vocabulary size
};

// `architecture` with `config` and shape.vocab as both vocabulary sizes.
std::unique_ptr<Seq2SeqModel> create_synthetic_model(const std::string& architecture,
                                                     ConfigMap config,
                                                     const SyntheticShape& shape, uint64_t seed);

// Trains max(options.max_steps, 2) steps; prints the rates on rank 0.
void run_synthetic_training(ModelBundle& bundle, const TrainerOptions& options,
                            const SyntheticShape& shape, Distributed& world);

}  // namespace attn
