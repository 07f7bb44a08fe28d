// Where the export writers put their bytes: a file replaced atomically, stdout, or memory.
//
//   write_output("model.npz", [&](const ByteSink& sink) { sink(header, n); sink(data, m); });
//   write_output("-", emit);                                  // stdout, for pipes
//   std::vector<uint8_t> bytes = collect_output(emit);        // tests, small files
//
// A path is written as a temporary file in the same directory, fsynced and renamed over the
// target (the directory fsynced too), as write_model_file does, so a crash or an error half
// way leaves the old file or none, never a truncated export that looks complete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace attn::formats {

// Receives a file's bytes in order.
using ByteSink = std::function<void(const void* data, std::size_t size)>;
using ByteEmitter = std::function<void(const ByteSink& sink)>;

// Writes what emit produces to path ("-": stdout). Throws FormatError(kIo) when the file
// system refuses; whatever emit throws propagates after the temporary file is removed.
void write_output(const std::string& path, const ByteEmitter& emit);

std::vector<uint8_t> collect_output(const ByteEmitter& emit);

}  // namespace attn::formats
