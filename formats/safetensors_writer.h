// Writing safetensors (https://github.com/huggingface/safetensors): the format PyTorch,
// JAX and the Hugging Face tools load without running any code from the file.
//
//   std::vector<TensorToWrite> tensors = {{"fc1.weight", FileDType::kF32, {32, 16}, w.data()}};
//   write_safetensors("model.safetensors", tensors, {{"d_model", "16"}});   // "-": stdout
//
// Layout: u64 little-endian header length N, N bytes of JSON
//   {"__metadata__":{"d_model":"16"},"fc1.weight":{"dtype":"F32","shape":[32,16],
//    "data_offsets":[0,2048]},...}
// padded with spaces so the data starts 8-byte aligned, then each tensor's bytes (row-major,
// little-endian) in the order given, back to back; offsets count from the end of the header.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "formats/model_writer.h"

namespace attn::formats {

// Throws FormatError: kInvalidArgument for a tensor or metadata the format cannot hold (bad
// or duplicate name, "__metadata__" as a name, text that is not UTF-8), kIo from the file
// system.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata);

// The same bytes in memory.
std::vector<uint8_t> encode_safetensors(const std::vector<TensorToWrite>& tensors,
                                        const std::map<std::string, std::string>& metadata);

}  // namespace attn::formats
