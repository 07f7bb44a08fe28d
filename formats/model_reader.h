// Reading a .attn file: validated metadata and a directory of tensors mapped in place.
//
//   ModelFile model = read_model_file("model.attn");          // "-": stdin
//   const Metadata& meta = model.metadata();
//   const TensorEntry& w = model.tensor("enc.0.w");            // FormatError if absent
//   const float* values = static_cast<const float*>(w.data);  // w.shape, w.element_count
//
// The file is untrusted input. Before anything is returned, every count, length, offset and
// product of dims is checked for overflow and against the bytes present, the preamble,
// metadata and directory CRCs are checked, and, unless ReadOptions says otherwise, every
// tensor's CRC too (a 100 MB model costs well under a second). Any failure throws FormatError.
// Tensor bytes are not copied: they point into the mapping (or the read buffer for stdin and
// pipes) that the ModelFile and all its copies share; keep one alive while using them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "formats/file_bytes.h"
#include "formats/format_error.h"
#include "formats/layout.h"
#include "formats/metadata.h"

namespace attn::formats {

struct FormatVersion {
  uint16_t major = 0;
  uint16_t minor = 0;
};

struct SectionInfo {
  uint64_t offset = 0;  // from the start of the file
  uint64_t size = 0;
  uint32_t crc32 = 0;
};

struct TensorEntry {
  std::string name;
  FileDType dtype = FileDType::kF32;
  std::vector<int64_t> shape;
  uint64_t element_count = 0;  // product of shape; 1 for a scalar
  uint64_t offset = 0;         // of the first byte, from the start of the file
  uint64_t byte_size = 0;      // element_count * dtype_size(dtype), without padding
  uint32_t crc32 = 0;          // of the byte_size bytes
  const void* data = nullptr;  // 64-byte aligned, little-endian, row-major
};

struct ReadOptions {
  // Off: tensor CRCs are left to find_damage(), for a fast load of a file known to be sound.
  bool check_tensor_crcs = true;
};

class ModelFile {
 public:
  // The name errors are reported against ("<stdin>" for "-").
  const std::string& path() const { return path_; }
  FormatVersion version() const { return version_; }
  FileKind kind() const { return kind_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t file_size() const { return bytes_->size(); }
  bool memory_mapped() const { return bytes_->mapped(); }
  // All of the file's bytes.
  const FileBytes& bytes() const { return *bytes_; }
  bool tensor_crcs_checked() const { return tensor_crcs_checked_; }
  const SectionInfo& section(Section which) const {
    return sections_[static_cast<uint32_t>(which)];
  }

  // The Boost archive version of the writer, and the archive text itself (attn-inspect --meta).
  uint32_t archive_version() const { return archive_version_; }
  std::string metadata_text() const;
  const Metadata& metadata() const { return metadata_; }

  // In file order.
  const std::vector<TensorEntry>& tensors() const { return tensors_; }
  // nullptr when there is no tensor of that name.
  const TensorEntry* find_tensor(const std::string& name) const;
  // Throws FormatError(kMissingTensor) when there is no tensor of that name.
  const TensorEntry& tensor(const std::string& name) const;

 private:
  ModelFile() = default;  // only parse_model_file makes one, always from validated bytes
  friend ModelFile parse_model_file(std::shared_ptr<const FileBytes> bytes, const std::string& path,
                                    const ReadOptions& options);

  std::shared_ptr<const FileBytes> bytes_;
  std::string path_;
  FormatVersion version_;
  FileKind kind_ = FileKind::kModel;
  uint32_t alignment_ = kAlignment;
  SectionInfo sections_[kSectionCount];
  uint32_t archive_version_ = 0;
  Metadata metadata_;
  std::vector<TensorEntry> tensors_;
  bool tensor_crcs_checked_ = false;
};

// Reads and validates path ("-": all of stdin).
ModelFile read_model_file(const std::string& path, const ReadOptions& options = {});

// Validates bytes already in memory; path only names them in errors.
ModelFile parse_model_file(std::shared_ptr<const FileBytes> bytes, const std::string& path,
                           const ReadOptions& options = {});

// Every problem a full check finds in the parts read_model_file may skip or stops at first:
// each tensor's CRC, the data section CRC and the zero padding between tensors. Empty when the
// file is sound. (Preamble, metadata and directory were already checked when file was read.)
std::vector<FormatError> find_damage(const ModelFile& file);

}  // namespace attn::formats
