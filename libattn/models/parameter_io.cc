#include "libattn/models/parameter_io.h"

#include <cstring>

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

void load_parameters(const NamedParameters& params, const std::shared_ptr<formats::ModelFile>& file,
                     BindMode mode) {
  for (const auto& [name, var] : params) {
    const formats::TensorEntry& entry = expect_f32_tensor(*file, name, var.shape());
    if (mode == BindMode::kMap) {
      var.mutable_value() = Tensor::wrap(var.shape(), DType::kF32, const_cast<void*>(entry.data),
                                         std::shared_ptr<void>(file, const_cast<void*>(entry.data)));
    } else {
      std::memcpy(var.mutable_value().data(), entry.data, entry.byte_size);
    }
  }
}

}  // namespace attn
