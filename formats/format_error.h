// FormatError: why a .attn file was refused, where, and what was expected instead.
//
//   try {
//     ModelFile model = read_model_file("model.attn");
//   } catch (const FormatError& e) {
//     // e.what(): "model.attn: byte 4096: tensor 'enc.0.w' CRC mismatch (expected 0x1c2d..., found
//     0x...)" if (e.kind() == FormatErrorKind::kNewerVersion) suggest_upgrade();
//   }
//
// Tools print what() as their one stderr line and exit 2: a bad file is bad input; kSystem
// (a full disk, an I/O error) exits 1.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace attn::formats {

// One value per distinct way a file can be wrong, so tests and tools can tell them apart
// without matching message text.
enum class FormatErrorKind {
  kIo,              // open, read, write, rename or fsync failed on a path the user gave
  kSystem,          // the system refused: disk full, quota, I/O error (not the input's fault)
  kBadMagic,        // not a .attn file, or mangled by a text-mode transfer
  kByteSwapped,     // written on (or converted for) a big-endian machine
  kNewerVersion,    // written by a newer attn: format major, archive or class version
  kBadVersion,      // a version that never existed (major 0)
  kTruncated,       // fewer bytes than the preamble promises
  kTrailingBytes,   // more bytes than the preamble promises
  kChecksum,        // a CRC-32 does not match
  kBadLayout,       // offsets, sizes, alignment or padding break the layout rules
  kLimit,           // a count or length above a hard cap
  kBadTensor,       // bad name, dtype, rank, dims or byte size in the directory
  kDuplicateName,   // two tensors with the same name
  kMissingTensor,   // a caller asked for a tensor the file does not hold
  kBadMetadata,     // the metadata archive does not parse
  kInvalidArgument  // the writer was handed something it cannot store
};

class FormatError : public std::runtime_error {
 public:
  // Marks errors that belong to no single byte (a missing file, a missing tensor).
  static constexpr uint64_t kNoOffset = UINT64_MAX;

  // expected/found may be empty; when both are given the message ends with
  // "(expected <expected>, found <found>)".
  FormatError(FormatErrorKind kind, std::string path, uint64_t offset, std::string problem,
              std::string expected = "", std::string found = "");

  FormatErrorKind kind() const { return kind_; }
  const std::string& path() const { return path_; }
  uint64_t offset() const { return offset_; }
  const std::string& problem() const { return problem_; }
  const std::string& expected() const { return expected_; }
  const std::string& found() const { return found_; }

  // The same error reported against another file name and base offset: parsers of a section
  // work on section-relative offsets and the reader rebases them.
  FormatError rebased(const std::string& path, uint64_t base_offset) const;

 private:
  FormatErrorKind kind_;
  std::string path_;
  uint64_t offset_;
  std::string problem_;
  std::string expected_;
  std::string found_;
};

}  // namespace attn::formats
