#include "libattn/train/optimizer_io.h"

#include <cstring>

#include "libattn/models/parameter_io.h"

namespace attn {

std::vector<formats::TensorToWrite> optimizer_tensors(const Adam& optimizer) {
  std::vector<formats::TensorToWrite> out;
  const auto& params = optimizer.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    out.push_back(f32_tensor_to_write("optimizer.m." + params[i].first, optimizer.moments1()[i]));
    out.push_back(f32_tensor_to_write("optimizer.v." + params[i].first, optimizer.moments2()[i]));
  }
  return out;
}

void load_optimizer(Adam& optimizer, const formats::ModelFile& file) {
  const auto& params = optimizer.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor& m = optimizer.moments1()[i];
    Tensor& v = optimizer.moments2()[i];
    std::memcpy(m.data(), expect_f32_tensor(file, "optimizer.m." + params[i].first, m.shape()).data,
                m.numel() * 4);
    std::memcpy(v.data(), expect_f32_tensor(file, "optimizer.v." + params[i].first, v.shape()).data,
                v.numel() * 4);
  }
}

}  // namespace attn
