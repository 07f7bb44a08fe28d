// Parameters and optimizer state to and from .attn tensors. The model file's tensor names
// are the parameters' names; a checkpoint adds each parameter's Adam moments as
// "optimizer.m.<name>" and "optimizer.v.<name>".
//
//   auto tensors = parameter_tensors(model.parameters());        // for write_model_file
//   load_parameters(model.parameters(), file, BindMode::kMap);   // decode straight from the mmap
#pragma once

#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "libattn/nn/parameters.h"
#include "libattn/train/optimizer.h"

namespace attn {

// kCopy: parameters get their own heap copy (training, resume). kMap: parameters point into
// the file's mapping, read-only and without a copy (decoding).
enum class BindMode { kCopy, kMap };

std::vector<formats::TensorToWrite> parameter_tensors(const NamedParameters& params);
std::vector<formats::TensorToWrite> optimizer_tensors(const Adam& optimizer);

// Every parameter must be in the file with its exact shape and dtype f32; anything else is
// a FormatError naming the tensor. `file` must outlive the parameters in kMap mode.
void load_parameters(const NamedParameters& params, const std::shared_ptr<formats::ModelFile>& file,
                     BindMode mode);
void load_optimizer(Adam& optimizer, const formats::ModelFile& file);

}  // namespace attn
