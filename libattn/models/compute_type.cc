#include "libattn/models/compute_type.h"

#include <fmt/core.h>

#include <algorithm>

#include "libattn/core/error.h"

namespace attn {

ComputeType parse_compute_type(const std::string& name) {
  if (name == "fp32" || name == "float32") return ComputeType::kFp32;
  if (name == "int8") return ComputeType::kInt8;
  if (name == "bf16" || name == "bfloat16") return ComputeType::kBf16;
  throw InputError(fmt::format("--compute-type must be fp32, int8 or bf16, not '{}'", name));
}

namespace {
constexpr int64_t kMinInt8Rows = 16;
}  // namespace

bool is_lookup_table(const std::string& name) {
  return name.find("embed_tokens") != std::string::npos ||
         name.find("embed_positions") != std::string::npos;
}

std::vector<std::string> int8_weight_names(const Seq2SeqModel& model) {
  const ConfigMap config = model.config_map();
  const auto tie = config.find("tie_output");
  const bool tied = tie != config.end() && tie->second == "true";
  const NamedParameters parameters = model.parameters();
  // A tied output multiplies by the target embedding: the decoder's table, or the shared
  // one (a shared vocabulary stores only the encoder's).
  std::string tied_table;
  if (tied) {
    for (const auto& [name, var] : parameters)
      if (name == "decoder.embed_tokens.weight") tied_table = name;
    if (tied_table.empty()) tied_table = "encoder.embed_tokens.weight";
  }
  std::vector<std::string> names;
  for (const auto& [name, var] : parameters) {
    if (var.value().rank() != 2) continue;
    // Lookup tables are read by row, never multiplied by.
    const bool table = is_lookup_table(name);
    if (table && name != tied_table) continue;
    // Other learned matrices (start states, memories) are not the weight of a product.
    if (!table && name.find("weight") == std::string::npos) continue;
    // A product with a handful of outputs (the concat scorer's v: one) costs less than
    // quantizing its input rows would.
    if (var.value().dim(0) < kMinInt8Rows) continue;
    names.push_back(name);
  }
  return names;
}

std::unique_ptr<Int8Weights> prepare_compute_type(const Seq2SeqModel& model, ComputeType type) {
  if (type == ComputeType::kFp32) return nullptr;
  if (type == ComputeType::kBf16) {
    __builtin_cpu_init();
    fmt::print(stderr, "attn-decode: --compute-type bf16: {}; decoding in fp32\n",
               __builtin_cpu_supports("avx512bf16") ? "no bf16 kernel is built yet"
                                                    : "this CPU has no AVX512_BF16");
    return nullptr;
  }
  auto int8 = std::make_unique<Int8Weights>();
  const std::vector<std::string> names = int8_weight_names(model);
  for (const auto& [name, var] : model.parameters())
    if (std::find(names.begin(), names.end(), name) != names.end() && !int8_weight(var.value()))
      int8->add(var.value());
  return int8;
}

}  // namespace attn
