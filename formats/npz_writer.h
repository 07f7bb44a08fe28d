// Writing .npz: what numpy.load opens, a zip archive of one .npy file per tensor.
//
//   std::vector<TensorToWrite> tensors = {{"fc1.weight", FileDType::kF32, {32, 16}, w.data()}};
//   write_npz("model.npz", tensors, {{"d_model", "16"}});         // "-": stdout
//   // numpy: z = np.load("model.npz"); z["fc1.weight"]; json.loads(str(z["__config__"]))
//
// Each tensor is the entry "<name>.npy": NPY format 1.0 (magic "\x93NUMPY", version 1.0, u16
// header length, the header {'descr': '<f4', 'fortran_order': False, 'shape': (32, 16), }
// padded with spaces to end in '\n' at a multiple of 64 bytes), then the row-major
// little-endian data. The config map is the entry "__config__.npy": its JSON text as a 0-d
// unicode array ('<U<n>', UTF-32LE), what np.array(json.dumps(config)) saves.
// Entries are stored (method 0, no compression) with their CRC-32, in the order given, then
// the config; every entry's time is 1980-01-01 00:00 so the same model gives the same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "formats/model_writer.h"

namespace attn::formats {

// Throws FormatError: kInvalidArgument for a tensor or config the format cannot hold (bad or
// duplicate name, "__config__" as a name, text that is not UTF-8), kLimit past what a zip
// without the zip64 extension holds (4 GiB, 65535 entries: export safetensors instead), kIo
// from the file system.
void write_npz(const std::string& path, const std::vector<TensorToWrite>& tensors,
               const std::map<std::string, std::string>& config);

// The same bytes in memory.
std::vector<uint8_t> encode_npz(const std::vector<TensorToWrite>& tensors,
                                const std::map<std::string, std::string>& config);

}  // namespace attn::formats
