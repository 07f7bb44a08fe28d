// The file names of one training run, all derived from --save (Marian's model.iterN.npz,
// fairseq's checkpoint_N.pt):
//
//   model.attn               the last checkpoint (resumable: optimizer, RNG, data position)
//   model.best.attn          the best model by the validation metric (decode-only)
//   model.step-1200.attn     a numbered model, kept with --keep-last K (decode-only)
//   model.average.attn       the mean of the last numbered models (--average-last K)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attn {

// "model.attn" -> "model.best.attn" ("model" -> "model.best").
std::string best_model_path(const std::string& save_path);

// "model.attn", 1200 -> "model.step-1200.attn".
std::string numbered_model_path(const std::string& save_path, int64_t step);

// "model.attn" -> "model.average.attn".
std::string average_model_path(const std::string& save_path);

// The numbered models of this save path found on disk, oldest (lowest step) first.
std::vector<std::string> numbered_models(const std::string& save_path);

// Removes all but the newest `keep` numbered models; returns the paths removed.
std::vector<std::string> remove_older_numbered(const std::string& save_path, int64_t keep);

}  // namespace attn
