// Where the export writers put their bytes: a file replaced atomically, stdout, or memory.
//
//   write_output("model.npz", [&](const ByteSink& sink) { sink(header, n); sink(data, m); });
//   write_output("-", emit);                                  // stdout, for pipes
//   std::vector<uint8_t> bytes = collect_output(emit);        // tests, small files
//   refuse_output_over_inputs("-o", out, {"-m", model}, {"-i", input});  // before opening
//
// A path is written as a temporary file in the same directory, fsynced and renamed over the
// target (the directory fsynced too), as write_model_file does, so a crash or an error half
// way leaves the old file or none, never a truncated export that looks complete. A symlink is
// written through: its final target is replaced and the link stays. Only a regular file (or
// a new name) is a target: a directory, device, FIFO or socket is refused, never replaced.
// Temporary files that a killed writer left in that directory are removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace attn::formats {

// Receives a file's bytes in order.
using ByteSink = std::function<void(const void* data, std::size_t size)>;
using ByteEmitter = std::function<void(const ByteSink& sink)>;

// Writes what emit produces to path ("-": stdout). Throws FormatError: kIo when the path
// cannot take the file (missing directory, not a regular file, no permission), kSystem when
// the system fails it (disk full, I/O error); whatever emit throws propagates after the
// temporary file is removed.
void write_output(const std::string& path, const ByteEmitter& emit);

std::vector<uint8_t> collect_output(const ByteEmitter& emit);

// The file a save to path replaces: path with every symlink followed (a dangling link gives
// the name its target would have). Throws FormatError(kIo) when that is an existing
// directory, device, FIFO or socket, or the links loop. Cheap enough to call before a long
// run, so a bad save target is found before the work it would lose.
std::string resolve_output_path(const std::string& path);

// A flag and the path it gave ("-": stdin for an input, stdout for the output).
using NamedPath = std::pair<std::string, std::string>;

// Throws FormatError(kIo) when output is the same regular file as one of inputs (same device
// and inode, links followed), before anything is opened for writing: writing it would
// destroy the input while it is read. A path that does not exist clashes with nothing.
void refuse_output_over_inputs(const NamedPath& output, const std::vector<NamedPath>& inputs);

}  // namespace attn::formats
