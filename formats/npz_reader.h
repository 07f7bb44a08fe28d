// Reading .npz: a zip archive of .npy arrays, as numpy.savez and Marian write them.
//
//   NpzArchive npz = read_npz("model.npz");
//   const NpyArray& w = npz.at("encoder_l1_self_Wq");   // FormatError kMissingTensor when absent
//   w.descr;  // "<f4"
//   w.shape;  // {512, 512}
//   const float* p = w.floats();                        // only when descr is "<f4"
//
// The zip container is libzip's job (stored or deflated entries, CRC-checked on reading); this
// file parses only the .npy header: magic "\x93NUMPY", version 1.x/2.x/3.x, a Python dict
// literal with 'descr', 'fortran_order' and 'shape'. Every array's byte size must equal
// shape x item size. Arrays are named without the ".npy" suffix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attn::formats {

struct NpyArray {
  std::string descr;           // numpy dtype string: "<f4", "|i1", "<i8", ...
  std::vector<int64_t> shape;  // () for a scalar
  std::vector<uint8_t> bytes;  // row-major data, as stored

  int64_t elements() const;
  // The data as float32; FormatError kBadTensor unless descr is "<f4" (or "=f4").
  const float* floats(const std::string& path, const std::string& name) const;
};

class NpzArchive {
 public:
  std::string path;
  std::map<std::string, NpyArray> arrays;

  bool contains(const std::string& name) const { return arrays.count(name) > 0; }
  // FormatError kMissingTensor naming the file and the array when absent.
  const NpyArray& at(const std::string& name) const;
};

// Throws FormatError: kIo when the file cannot be opened, kBadMagic when it is not a zip,
// kTruncated / kChecksum for a damaged archive or entry, kBadTensor for an entry that is not a
// well-formed .npy (Fortran order is refused: no writer we read produces it).
NpzArchive read_npz(const std::string& path);

}  // namespace attn::formats
