#include "libattn/models/parameter_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "libattn/autograd/int8_weights.h"
#include "libattn/core/error.h"
#include "libattn/kernels/quantize.h"
#include "libattn/models/compute_type.h"

namespace attn {

formats::TensorToWrite f32_tensor_to_write(const std::string& name, const Tensor& t) {
  return {name, formats::FileDType::kF32, t.shape(), t.data()};
}

const formats::TensorEntry& expect_f32_tensor(const formats::ModelFile& file,
                                              const std::string& name, const Shape& shape) {
  const formats::TensorEntry& entry = file.tensor(name);
  if (entry.dtype != formats::FileDType::kF32 || entry.shape != shape)
    throw formats::FormatError(formats::FormatErrorKind::kBadTensor, file.path(), entry.offset,
                               "tensor '" + name + "' does not fit the model",
                               std::string("f32 ") + shape_str(shape),
                               std::string(formats::dtype_name(entry.dtype)) + " " +
                                   shape_str(entry.shape));
  return entry;
}

std::vector<formats::TensorToWrite> parameter_tensors(const NamedParameters& params) {
  std::vector<formats::TensorToWrite> out;
  for (const auto& [name, var] : params) out.push_back(f32_tensor_to_write(name, var.value()));
  return out;
}

QuantizedParameterTensors quantized_parameter_tensors(const NamedParameters& params,
                                                      const std::vector<std::string>& int8_names) {
  QuantizedParameterTensors out;
  out.values.reserve(int8_names.size());
  out.scales.reserve(int8_names.size());
  for (const auto& [name, var] : params) {
    const Tensor& t = var.value();
    if (std::find(int8_names.begin(), int8_names.end(), name) == int8_names.end()) {
      out.tensors.push_back(f32_tensor_to_write(name, t));
      continue;
    }
    ATTN_CHECK(t.rank() == 2, "{}: only matrices are stored in int8, got {}", name,
               shape_str(t.shape()));
    const int64_t rows = t.dim(0), cols = t.dim(1);
    out.values.emplace_back(static_cast<size_t>(rows * cols));
    out.scales.emplace_back(static_cast<size_t>(rows));
    quantize_rows(t.data(), rows, cols, cols, out.values.back().data(), cols,
                  out.scales.back().data());
    out.tensors.push_back({name, formats::FileDType::kI8, t.shape(), out.values.back().data()});
    out.tensors.push_back({formats::int8_scale_name(name), formats::FileDType::kF32, {rows},
                           out.scales.back().data()});
  }
  return out;
}

namespace {

// The scales of the i8 matrix `entry` (formats/FORMAT.md, "Quantized tensors"), checked; a
// FormatError naming the tensor when the pair does not fit a parameter of `shape`.
const float* checked_int8_scales(const formats::ModelFile& file, const formats::TensorEntry& entry,
                                 const Shape& shape) {
  if (shape.size() != 2 || entry.shape != shape)
    throw formats::FormatError(formats::FormatErrorKind::kBadTensor, file.path(), entry.offset,
                               "tensor '" + entry.name + "' does not fit the model",
                               std::string("i8 ") + shape_str(shape),
                               std::string("i8 ") + shape_str(entry.shape));
  const std::string scale_name = formats::int8_scale_name(entry.name);
  if (!file.find_tensor(scale_name))
    throw formats::FormatError(formats::FormatErrorKind::kBadTensor, file.path(), entry.offset,
                               "int8 tensor '" + entry.name + "' has no scales",
                               "an f32 tensor '" + scale_name + "'", "none");
  const formats::TensorEntry& scales = expect_f32_tensor(file, scale_name, {shape[0]});
  const float* s = static_cast<const float*>(scales.data);
  for (int64_t r = 0; r < shape[0]; ++r)
    if (!std::isfinite(s[r]) || s[r] < 0.0f)
      throw formats::FormatError(formats::FormatErrorKind::kBadTensor, file.path(), scales.offset,
                                 "tensor '" + scale_name + "' holds a scale that is not a finite "
                                 "number >= 0", "finite >= 0", fmt::format("{}", s[r]));
  return s;
}

// An i8 matrix and its scales into a fresh f32 heap tensor of `shape`.
Tensor dequantized_parameter(const formats::ModelFile& file, const formats::TensorEntry& entry,
                             const Shape& shape) {
  const float* scales = checked_int8_scales(file, entry, shape);
  Tensor t = Tensor::empty_heap(shape);
  dequantize_rows(static_cast<const int8_t*>(entry.data), shape[1], scales, shape[0], shape[1],
                  t.data(), shape[1]);
  return t;
}

}  // namespace

void load_parameters(const NamedParameters& params, const std::shared_ptr<formats::ModelFile>& file,
                     BindMode mode, Int8Weights* int8) {
  ATTN_CHECK(mode != BindMode::kMapInt8 || int8, "load_parameters: kMapInt8 needs an Int8Weights");
  for (const auto& [name, var] : params) {
    const formats::TensorEntry& i8 = file->tensor(name);
    if (i8.dtype == formats::FileDType::kI8 && mode == BindMode::kMapInt8) {
      const float* scales = checked_int8_scales(*file, i8, var.shape());
      var.mutable_value() = is_lookup_table(name) ? dequantized_parameter(*file, i8, var.shape())
                                                  : int8_stand_in(var.shape());
      int8->add(var.value(), int8_matrix(static_cast<const int8_t*>(i8.data), scales,
                                         var.dim(0), var.dim(1)));
      continue;
    }
    if (i8.dtype == formats::FileDType::kI8) {
      var.mutable_value() = dequantized_parameter(*file, i8, var.shape());
      continue;
    }
    const formats::TensorEntry& entry = expect_f32_tensor(*file, name, var.shape());
    if (mode != BindMode::kCopy) {
      var.mutable_value() = Tensor::wrap(var.shape(), DType::kF32, const_cast<void*>(entry.data),
                                         std::shared_ptr<void>(file, const_cast<void*>(entry.data)));
    } else {
      std::memcpy(var.mutable_value().data(), entry.data, entry.byte_size);
    }
  }
}

}  // namespace attn
