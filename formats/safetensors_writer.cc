#include "formats/safetensors_writer.h"

#include <fmt/format.h>

#include "formats/export_common.h"
#include "formats/format_error.h"
#include "formats/layout.h"
#include "formats/output_file.h"

namespace attn::formats {
namespace {

const char* safetensors_dtype(FileDType dtype) {
  switch (dtype) {
    case FileDType::kF32:
      return "F32";
    case FileDType::kI32:
      return "I32";
    case FileDType::kI8:
      return "I8";
  }
  throw FormatError(
      FormatErrorKind::kInvalidArgument, "", FormatError::kNoOffset,
      fmt::format("dtype code {} has no safetensors name", static_cast<uint32_t>(dtype)));
}

// Everything is checked and the header built before the first byte is emitted, so a refused
// tensor never leaves half a file on stdout.
ByteEmitter plan(const std::vector<TensorToWrite>& tensors,
                 const std::map<std::string, std::string>& metadata) {
  const std::vector<uint64_t> sizes = checked_export_sizes(tensors, "__metadata__");
  std::string header = "{\"__metadata__\":" + json_object(metadata);
  uint64_t offset = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    header += fmt::format(",{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                          json_quote(tensors[i].name), safetensors_dtype(tensors[i].dtype),
                          fmt::join(tensors[i].shape, ","), offset, offset + sizes[i]);
    offset += sizes[i];
  }
  header += '}';
  header.append(align_up(header.size(), 8) - header.size(), ' ');
  return [&tensors, sizes, header = std::move(header)](const ByteSink& sink) {
    uint8_t length[8];
    store_u64(length, header.size());
    sink(length, sizeof(length));
    sink(header.data(), header.size());
    for (std::size_t i = 0; i < tensors.size(); ++i)
      if (sizes[i] > 0) sink(tensors[i].data, sizes[i]);
  };
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_output(path, plan(tensors, metadata));
}

std::vector<uint8_t> encode_safetensors(const std::vector<TensorToWrite>& tensors,
                                        const std::map<std::string, std::string>& metadata) {
  return collect_output(plan(tensors, metadata));
}

}  // namespace attn::formats
