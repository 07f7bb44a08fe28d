// Checkpoint averaging: one model whose every parameter is the element-wise mean of the same
// parameter in several files of one training run (Vaswani et al. 2017, §6.1, average the
// last checkpoints; smoother than any one of them, and often 0.5-1 BLEU better).
//
//   ModelBundle average = average_models({"step-9000.attn", "step-10000.attn"});
//   save_bundle("average.attn", formats::FileKind::kModel, average);
//
// Only the parameters are averaged; optimizer moments are left behind, so the result is a
// decode-only model. It carries the first file's metadata (provenance, vocabularies).
#pragma once

#include <string>
#include <vector>

#include "libattn/models/model_bundle.h"

namespace attn {

// Loads each path (model or checkpoint) and returns the mean. Throws InputError naming the
// file and the first difference when the files do not share architecture, tensor-naming
// revision, config, vocabularies and parameter names and shapes (averaging across those is
// meaningless), or when fewer than two paths are given; FormatError for an unreadable file.
ModelBundle average_models(const std::vector<std::string>& paths);

}  // namespace attn
