// Parameters to and from .attn tensors. The model file's tensor names are the parameters'
// names (a checkpoint's optimizer state is train/optimizer_io.h's).
//
//   auto tensors = parameter_tensors(model.parameters());        // for write_model_file
//   load_parameters(model.parameters(), file, BindMode::kMap);   // decode straight from the mmap
#pragma once

#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "libattn/nn/parameters.h"

namespace attn {

class Int8Weights;  // libattn/autograd/int8_weights.h

// kCopy: parameters get their own heap copy (training, resume). kMap: parameters point into
// the file's mapping, read-only and without a copy (decoding). kMapInt8: as kMap, but a
// matrix stored in int8 stays int8 (decoding in int8): it becomes an int8 copy registered in
// load_parameters' `int8`, read straight from the file's i8 values and scales, and its f32
// parameter a stand-in without memory (int8_stand_in); only lookup tables (a tied output's
// embedding, read by row) are dequantized as well. An int8 model then holds about its int8
// size of weights, not the dequantized f32 four times that plus the int8 copy.
enum class BindMode { kCopy, kMap, kMapInt8 };

std::vector<formats::TensorToWrite> parameter_tensors(const NamedParameters& params);

// The parameters as file tensors with the matrices named in `int8_names` stored as i8 plus
// their f32 per-row scales (formats/FORMAT.md, "Quantized tensors"). `tensors` points into
// the buffers held here: keep the object alive until the file is written.
struct QuantizedParameterTensors {
  std::vector<formats::TensorToWrite> tensors;
  std::vector<std::vector<int8_t>> values;
  std::vector<std::vector<float>> scales;
};
QuantizedParameterTensors quantized_parameter_tensors(const NamedParameters& params,
                                                      const std::vector<std::string>& int8_names);

// Every parameter must be in the file with its exact shape and dtype f32, or as an i8
// matrix with its f32 scales (then, in kCopy and kMap, it is dequantized into a heap copy;
// in kMapInt8 see above); anything else is a FormatError naming the tensor. `file` must
// outlive the parameters in kMap mode; `int8` is needed in kMapInt8 mode only.
void load_parameters(const NamedParameters& params, const std::shared_ptr<formats::ModelFile>& file,
                     BindMode mode, Int8Weights* int8 = nullptr);

// The entry `name`, which must be f32 of exactly `shape`; a FormatError naming it otherwise.
const formats::TensorEntry& expect_f32_tensor(const formats::ModelFile& file,
                                              const std::string& name, const Shape& shape);
formats::TensorToWrite f32_tensor_to_write(const std::string& name, const Tensor& t);

}  // namespace attn
