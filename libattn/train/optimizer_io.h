// A checkpoint's optimizer state as .attn tensors: each parameter's Adam moments as
// "optimizer.m.<name>" and "optimizer.v.<name>".
//
//   save_bundle(path, formats::FileKind::kCheckpoint, bundle, optimizer_tensors(adam));
//   load_optimizer(adam, *bundle.file);
#pragma once

#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "libattn/train/optimizer.h"

namespace attn {

// Views of the optimizer's moments: they must outlive the write.
std::vector<formats::TensorToWrite> optimizer_tensors(const Adam& optimizer);

// Every moment must be in the file with its parameter's exact shape; a FormatError otherwise.
void load_optimizer(Adam& optimizer, const formats::ModelFile& file);

}  // namespace attn
