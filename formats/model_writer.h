// Writing a .attn file: metadata plus named tensors, atomically.
//
//   std::vector<float> w(512 * 512);
//   std::vector<TensorToWrite> tensors = {{"enc.0.w", FileDType::kF32, {512, 512}, w.data()}};
//   write_model_file("model.attn", FileKind::kModel, metadata, tensors);
//   write_model_file("-", FileKind::kModel, metadata, tensors);          // to stdout, for pipes
//
// A path is written as a temporary file in the same directory, fsynced, then renamed over the
// target (and the directory fsynced), so a crash leaves either the old file or the new one,
// never a half-written file that looks valid. Tensors are written in the order given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "formats/layout.h"
#include "formats/metadata.h"

namespace attn::formats {

struct TensorToWrite {
  std::string name;  // [A-Za-z0-9_.:/-], at most kMaxNameLength bytes, unique in the file
  FileDType dtype = FileDType::kF32;
  std::vector<int64_t> shape;  // rank <= kMaxRank; {} is a scalar
  const void* data = nullptr;  // product(shape) * dtype_size(dtype) bytes, row-major
};

// Writes path ("-": stdout). Throws FormatError: kInvalidArgument when a tensor or the metadata
// cannot be stored (bad name, duplicate, rank, size), kIo when the file system refuses.
void write_model_file(const std::string& path, FileKind kind, const Metadata& metadata,
                      const std::vector<TensorToWrite>& tensors);

// The exact bytes write_model_file writes, in memory: for tests, fuzz seeds and small files.
std::vector<uint8_t> encode_model_file(FileKind kind, const Metadata& metadata,
                                       const std::vector<TensorToWrite>& tensors);

}  // namespace attn::formats
