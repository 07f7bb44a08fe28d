#include "libattn/models/parameter_io.h"

#include <cstring>

namespace attn {

namespace {

formats::TensorToWrite to_write(const std::string& name, const Tensor& t) {
  return {name, formats::FileDType::kF32, t.shape(), t.data()};
}

const formats::TensorEntry& expect_tensor(const formats::ModelFile& file, const std::string& name,
                                          const Shape& shape) {
  const formats::TensorEntry& entry = file.tensor(name);
  if (entry.dtype != formats::FileDType::kF32 || entry.shape != shape)
    throw formats::FormatError(formats::FormatErrorKind::kBadTensor, file.path(), entry.offset,
                               "tensor '" + name + "' does not fit the model",
                               std::string("f32 ") + shape_str(shape),
                               std::string(formats::dtype_name(entry.dtype)) + " " +
                                   shape_str(entry.shape));
  return entry;
}

}  // namespace

std::vector<formats::TensorToWrite> parameter_tensors(const NamedParameters& params) {
  std::vector<formats::TensorToWrite> out;
  for (const auto& [name, var] : params) out.push_back(to_write(name, var.value()));
  return out;
}

std::vector<formats::TensorToWrite> optimizer_tensors(const Adam& optimizer) {
  std::vector<formats::TensorToWrite> out;
  const auto& params = optimizer.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    out.push_back(to_write("optimizer.m." + params[i].first, optimizer.moments1()[i]));
    out.push_back(to_write("optimizer.v." + params[i].first, optimizer.moments2()[i]));
  }
  return out;
}

void load_parameters(const NamedParameters& params, const std::shared_ptr<formats::ModelFile>& file,
                     BindMode mode) {
  for (const auto& [name, var] : params) {
    const formats::TensorEntry& entry = expect_tensor(*file, name, var.shape());
    if (mode == BindMode::kMap) {
      var.mutable_value() = Tensor::wrap(var.shape(), DType::kF32, const_cast<void*>(entry.data),
                                         std::shared_ptr<void>(file, const_cast<void*>(entry.data)));
    } else {
      std::memcpy(var.mutable_value().data(), entry.data, entry.byte_size);
    }
  }
}

void load_optimizer(Adam& optimizer, const formats::ModelFile& file) {
  const auto& params = optimizer.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor& m = optimizer.moments1()[i];
    Tensor& v = optimizer.moments2()[i];
    std::memcpy(m.data(), expect_tensor(file, "optimizer.m." + params[i].first, m.shape()).data,
                m.numel() * 4);
    std::memcpy(v.data(), expect_tensor(file, "optimizer.v." + params[i].first, v.shape()).data,
                v.numel() * 4);
  }
}

}  // namespace attn
