#include "formats/model_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "formats/crc32.h"

namespace attn::formats {
namespace {

std::string hex32(uint32_t value) { return fmt::format("0x{:08x}", value); }

std::string hex_bytes(const uint8_t* p, uint64_t n) {
  std::string text;
  for (uint64_t i = 0; i < n; ++i) text += fmt::format("{}{:02x}", i ? " " : "", p[i]);
  return text;
}

bool all_zero(const uint8_t* p, uint64_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Validates one file's bytes; every method either checks a rule or throws.
class Parser {
 public:
  Parser(const FileBytes& bytes, const std::string& path, const ReadOptions& options)
      : p_(bytes.data()), size_(bytes.size()), path_(path), options_(options) {}

  // The first bytes of a stream: checks the preamble up to its CRC and returns the file size
  // it declares, so a reader of a pipe stops at the first wrong byte and reads no further
  // than the file can be long.
  static uint64_t declared_size(const uint8_t* head, uint64_t size, const std::string& path) {
    const ReadOptions options;
    Parser parser(head, size, path, options);
    parser.head_only_ = true;
    Result r;
    parser.check_preamble(r);
    return load_u64(head + kFileSizeOffset);
  }

  // The fields of ModelFile the parser fills.
  struct Result {
    FormatVersion version;
    FileKind kind;
    uint32_t alignment;
    SectionInfo sections[kSectionCount];
    uint32_t archive_version;
    Metadata metadata;
    std::vector<TensorEntry> tensors;
  };

  Result run() {
    Result r;
    check_preamble(r);
    check_sections(r);
    check_metadata(r);
    check_directory(r);
    check_tensor_data(r);
    return r;
  }

 private:
  [[noreturn]] void fail(FormatErrorKind kind, uint64_t offset, std::string problem,
                         std::string expected = "", std::string found = "") const {
    throw FormatError(kind, path_, offset, std::move(problem), std::move(expected),
                      std::move(found));
  }

  void check_crc(uint64_t offset, uint64_t size, uint32_t expected, const std::string& what) const {
    const uint32_t found = crc32(p_ + offset, size);
    if (found != expected) {
      fail(FormatErrorKind::kChecksum, offset, what + " CRC mismatch", hex32(expected),
           hex32(found));
    }
  }

  // Names the usual ways a transfer mangles a binary file, since "wrong magic" alone leaves
  // the user guessing.
  std::string magic_hint(uint64_t n) const {
    static const uint8_t kHighBitStripped[8] = {0x09, 'A', 'T', 'N', '\r', '\n', 0x1A, '\n'};
    static const uint8_t kCrLfToLf[7] = {0x89, 'A', 'T', 'N', '\n', 0x1A, '\n'};
    static const uint8_t kLfToCrLf[8] = {0x89, 'A', 'T', 'N', '\r', '\r', '\n', 0x1A};
    if (n >= 8 && std::equal(p_, p_ + 8, kHighBitStripped)) {
      return "; its high bits were stripped by a 7-bit transfer";
    }
    if (n >= 7 && std::equal(p_, p_ + 7, kCrLfToLf)) {
      return "; a text-mode transfer turned CR LF into LF";
    }
    if (n >= 8 && std::equal(p_, p_ + 8, kLfToCrLf)) {
      return "; a text-mode transfer turned LF into CR LF";
    }
    return "";
  }

  void check_preamble(Result& r) const {
    const uint64_t magic_bytes = std::min<uint64_t>(size_, sizeof(kMagic));
    if (!std::equal(p_, p_ + magic_bytes, kMagic)) {
      fail(FormatErrorKind::kBadMagic, 0, "not an .attn file" + magic_hint(magic_bytes),
           hex_bytes(kMagic, sizeof(kMagic)), hex_bytes(p_, magic_bytes));
    }
    if (size_ < kPreambleSize) {
      fail(FormatErrorKind::kTruncated, size_, "truncated",
           fmt::format("at least {} bytes", kPreambleSize), fmt::format("{} bytes", size_));
    }
    const uint32_t tag = load_u32(p_ + kEndianOffset);
    if (tag == kEndianTagSwapped) {
      fail(FormatErrorKind::kByteSwapped, kEndianOffset,
           "byte-swapped file (converted for a big-endian machine?)", hex32(kEndianTag),
           hex32(tag));
    }
    if (tag != kEndianTag) {
      fail(FormatErrorKind::kBadMagic, kEndianOffset, "bad endian tag", hex32(kEndianTag),
           hex32(tag));
    }
    r.version.major = load_u16(p_ + kMajorOffset);
    r.version.minor = load_u16(p_ + kMinorOffset);
    if (r.version.major == 0) {
      fail(FormatErrorKind::kBadVersion, kMajorOffset, "format major version 0 does not exist",
           fmt::format("{}.x", kFormatMajor), "0.x");
    }
    if (r.version.major > kFormatMajor) {
      fail(FormatErrorKind::kNewerVersion, kMajorOffset,
           fmt::format("written by a newer attn (format {}.x); this build reads {}.x",
                       r.version.major, kFormatMajor));
    }
    check_crc(0, kPreambleCrcOffset, load_u32(p_ + kPreambleCrcOffset), "preamble");
    const uint32_t kind = load_u32(p_ + kKindOffset);
    if (kind != static_cast<uint32_t>(FileKind::kModel) &&
        kind != static_cast<uint32_t>(FileKind::kCheckpoint)) {
      fail(FormatErrorKind::kBadLayout, kKindOffset, "unknown file kind",
           "1 (model) or 2 (checkpoint)", std::to_string(kind));
    }
    r.kind = static_cast<FileKind>(kind);
    r.alignment = load_u32(p_ + kAlignmentOffset);
    if (!is_power_of_two(r.alignment) || r.alignment < kMinAlignment ||
        r.alignment > kMaxAlignment) {
      fail(FormatErrorKind::kBadLayout, kAlignmentOffset, "bad alignment",
           fmt::format("a power of two in [{}, {}]", kMinAlignment, kMaxAlignment),
           std::to_string(r.alignment));
    }
    const uint64_t declared = load_u64(p_ + kFileSizeOffset);
    if (head_only_) return;
    if (size_ < declared) {
      fail(FormatErrorKind::kTruncated, size_, "truncated", fmt::format("{} bytes", declared),
           fmt::format("{} bytes", size_));
    }
    if (size_ > declared) {
      fail(FormatErrorKind::kTrailingBytes, declared, "trailing bytes after the end of the file",
           fmt::format("{} bytes", declared), fmt::format("{} bytes", size_));
    }
  }

  // Sections follow each other in order, each at the next aligned offset, zero padding between,
  // and the data section ends the file.
  void check_sections(Result& r) const {
    uint64_t end = kPreambleSize;
    for (uint32_t s = 0; s < kSectionCount; ++s) {
      const uint64_t field = kSectionTableOffset + s * kSectionEntrySize;
      SectionInfo& info = r.sections[s];
      info.offset = load_u64(p_ + field);
      info.size = load_u64(p_ + field + 8);
      info.crc32 = load_u32(p_ + field + 16);
      const std::string name = section_name(static_cast<Section>(s));
      const uint64_t expected = align_up(end, r.alignment);
      if (info.offset != expected) {
        fail(FormatErrorKind::kBadLayout, field, name + " section offset out of place",
             std::to_string(expected), std::to_string(info.offset));
      }
      if (info.offset > size_ || info.size > size_ - info.offset) {
        fail(FormatErrorKind::kBadLayout, field + 8, name + " section runs past the end of file",
             fmt::format("at most {} bytes", size_ - std::min(info.offset, size_)),
             fmt::format("{} bytes", info.size));
      }
      if (!all_zero(p_ + end, info.offset - end)) {
        fail(FormatErrorKind::kBadLayout, end, "nonzero padding before the " + name + " section");
      }
      end = info.offset + info.size;
    }
    if (end != size_) {
      fail(FormatErrorKind::kBadLayout, kSectionTableOffset + 2 * kSectionEntrySize + 8,
           "data section does not end the file", fmt::format("end at {}", size_),
           fmt::format("end at {}", end));
    }
  }

  void check_metadata(Result& r) const {
    const SectionInfo& s = r.sections[static_cast<uint32_t>(Section::kMetadata)];
    check_crc(s.offset, s.size, s.crc32, "metadata section");
    if (s.size < kMetadataHeaderSize) {
      fail(FormatErrorKind::kBadLayout, s.offset, "metadata section too small",
           fmt::format("at least {} bytes", kMetadataHeaderSize), fmt::format("{} bytes", s.size));
    }
    const uint8_t* header = p_ + s.offset;
    r.archive_version = load_u32(header);
    const uint64_t length = load_u64(header + 8);
    if (length != s.size - kMetadataHeaderSize) {
      fail(FormatErrorKind::kBadLayout, s.offset + 8, "metadata length disagrees with its section",
           std::to_string(s.size - kMetadataHeaderSize), std::to_string(length));
    }
    if (length > kMaxMetadataBytes) {
      fail(FormatErrorKind::kLimit, s.offset + 8, "metadata too large",
           fmt::format("at most {} bytes", kMaxMetadataBytes), fmt::format("{} bytes", length));
    }
    if (r.archive_version > metadata_archive_version()) {
      fail(FormatErrorKind::kNewerVersion, s.offset,
           fmt::format("metadata written by a newer attn (Boost archive version {}); this build "
                       "reads up to {}",
                       r.archive_version, metadata_archive_version()));
    }
    const uint64_t payload = s.offset + kMetadataHeaderSize;
    try {
      r.metadata = decode_metadata(reinterpret_cast<const char*>(p_ + payload), length);
    } catch (const FormatError& e) {
      throw e.rebased(path_, payload);
    }
  }

  void check_directory(Result& r) const {
    const SectionInfo& s = r.sections[static_cast<uint32_t>(Section::kDirectory)];
    const SectionInfo& data = r.sections[static_cast<uint32_t>(Section::kData)];
    check_crc(s.offset, s.size, s.crc32, "directory section");
    if (s.size < kDirectoryHeaderSize) {
      fail(FormatErrorKind::kBadLayout, s.offset, "directory section too small",
           fmt::format("at least {} bytes", kDirectoryHeaderSize), fmt::format("{} bytes", s.size));
    }
    const uint8_t* dir = p_ + s.offset;
    const uint64_t count = load_u32(dir);
    if (count > kMaxTensors) {
      fail(FormatErrorKind::kLimit, s.offset, "too many tensors",
           fmt::format("at most {}", kMaxTensors), std::to_string(count));
    }
    if (count > (s.size - kDirectoryHeaderSize) / kMinEntrySize) {
      fail(FormatErrorKind::kBadLayout, s.offset, "directory too small for its tensor count",
           fmt::format("at most {} tensors", (s.size - kDirectoryHeaderSize) / kMinEntrySize),
           std::to_string(count));
    }
    r.tensors.reserve(count);
    std::unordered_set<std::string> names;
    uint64_t pos = kDirectoryHeaderSize;  // within the directory
    uint64_t data_used = 0;               // padded bytes of the data section claimed so far
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t at = s.offset + pos;  // of this entry, in the file
      if (s.size - pos < kEntryFixedSize) {
        fail(FormatErrorKind::kBadLayout, at, fmt::format("directory entry {} is cut off", i));
      }
      const uint8_t* e = dir + pos;
      const uint32_t name_length = load_u32(e);
      const uint32_t dtype_code = load_u32(e + 4);
      const uint32_t rank = load_u32(e + 8);
      TensorEntry t;
      t.crc32 = load_u32(e + 12);
      const uint64_t offset = load_u64(e + 16);
      t.byte_size = load_u64(e + 24);
      if (name_length == 0 || name_length > kMaxNameLength) {
        fail(FormatErrorKind::kLimit, at, fmt::format("tensor {} name length", i),
             fmt::format("1 to {}", kMaxNameLength), std::to_string(name_length));
      }
      if (rank > kMaxRank) {
        fail(FormatErrorKind::kLimit, at + 8, fmt::format("tensor {} rank too large", i),
             fmt::format("at most {}", kMaxRank), std::to_string(rank));
      }
      const uint64_t entry_size = align_up(kEntryFixedSize + 8 * rank + name_length, 8);
      if (entry_size > s.size - pos) {
        fail(FormatErrorKind::kBadLayout, at, fmt::format("directory entry {} is cut off", i),
             fmt::format("{} bytes", entry_size), fmt::format("{} bytes", s.size - pos));
      }
      const uint64_t name_at = kEntryFixedSize + 8 * rank;
      const char* name = reinterpret_cast<const char*>(e + name_at);
      if (!is_valid_tensor_name(name, name_length)) {
        fail(FormatErrorKind::kBadTensor, at + name_at,
             fmt::format("tensor {} name is not [A-Za-z0-9_.:/-]", i));
      }
      t.name.assign(name, name_length);
      const std::string label = "tensor '" + t.name + "'";
      if (!all_zero(e + name_at + name_length, entry_size - name_at - name_length)) {
        fail(FormatErrorKind::kBadLayout, at + name_at + name_length,
             "nonzero padding after the name of " + label);
      }
      if (!names.insert(t.name).second) {
        fail(FormatErrorKind::kDuplicateName, at + name_at, label + " appears twice");
      }
      if (!is_known_dtype(dtype_code)) {
        fail(FormatErrorKind::kBadTensor, at + 4,
             fmt::format("{} has an unknown dtype (file format {}.{}; this build reads "
                         "dtypes up to format {}.{})",
                         label, r.version.major, r.version.minor, kFormatMajor, kFormatMinor),
             "0 (f32), 1 (i32) or 2 (i8)", std::to_string(dtype_code));
      }
      t.dtype = dtype_from_code(dtype_code);
      if (dtype_minor_version(t.dtype) > r.version.minor) {
        fail(FormatErrorKind::kBadTensor, at + 4,
             fmt::format("{} is {}, which format {}.{} does not have", label,
                         dtype_name(t.dtype), r.version.major, r.version.minor),
             fmt::format("format {}.{} or later", kFormatMajor, dtype_minor_version(t.dtype)),
             fmt::format("{}.{}", r.version.major, r.version.minor));
      }
      t.element_count = 1;
      for (uint32_t d = 0; d < rank; ++d) {
        const uint64_t dim = load_u64(e + kEntryFixedSize + 8 * d);
        if (dim > kMaxElements || (dim != 0 && t.element_count > kMaxElements / dim)) {
          fail(FormatErrorKind::kBadTensor, at + kEntryFixedSize + 8 * d,
               label + " has too many elements", fmt::format("at most {}", kMaxElements),
               fmt::format("dimension {} = {}", d, dim));
        }
        t.element_count *= dim;
        t.shape.push_back(static_cast<int64_t>(dim));
      }
      const uint64_t byte_size = t.element_count * dtype_size(t.dtype);
      if (t.byte_size != byte_size) {
        fail(FormatErrorKind::kBadTensor, at + 24, label + " byte size disagrees with its shape",
             std::to_string(byte_size), std::to_string(t.byte_size));
      }
      if (offset != data_used) {
        fail(FormatErrorKind::kBadLayout, at + 16,
             label + " offset is not right after the previous tensor", std::to_string(data_used),
             std::to_string(offset));
      }
      if (t.byte_size > data.size - data_used ||
          align_up(t.byte_size, r.alignment) > data.size - data_used) {
        fail(FormatErrorKind::kBadLayout, at + 24, label + " runs past the data section",
             fmt::format("at most {} bytes", data.size - data_used),
             fmt::format("{} bytes", t.byte_size));
      }
      t.offset = data.offset + offset;
      t.data = p_ + t.offset;
      data_used += align_up(t.byte_size, r.alignment);
      pos += entry_size;
      r.tensors.push_back(std::move(t));
    }
    if (pos != s.size) {
      fail(FormatErrorKind::kBadLayout, s.offset + pos, "unused bytes at the end of the directory",
           fmt::format("{} bytes", pos), fmt::format("{} bytes", s.size));
    }
    if (data_used != data.size) {
      fail(FormatErrorKind::kBadLayout, data.offset + data_used,
           "tensors do not fill the data section", fmt::format("{} bytes", data.size),
           fmt::format("{} bytes", data_used));
    }
  }

  void check_tensor_data(const Result& r) const {
    for (const TensorEntry& t : r.tensors) {
      const uint64_t padded = align_up(t.byte_size, r.alignment);
      if (!all_zero(p_ + t.offset + t.byte_size, padded - t.byte_size)) {
        fail(FormatErrorKind::kBadLayout, t.offset + t.byte_size,
             "nonzero padding after tensor '" + t.name + "'");
      }
      if (options_.check_tensor_crcs) {
        check_crc(t.offset, t.byte_size, t.crc32, "tensor '" + t.name + "'");
      }
    }
  }

  Parser(const uint8_t* p, uint64_t size, const std::string& path, const ReadOptions& options)
      : p_(p), size_(size), path_(path), options_(options) {}

  const uint8_t* p_;
  uint64_t size_;
  bool head_only_ = false;
  const std::string& path_;
  const ReadOptions& options_;
};

}  // namespace

std::string ModelFile::metadata_text() const {
  const SectionInfo& s = section(Section::kMetadata);
  return std::string(reinterpret_cast<const char*>(bytes_->data() + s.offset + kMetadataHeaderSize),
                     s.size - kMetadataHeaderSize);
}

const TensorEntry* ModelFile::find_tensor(const std::string& name) const {
  for (const TensorEntry& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const TensorEntry& ModelFile::tensor(const std::string& name) const {
  const TensorEntry* t = find_tensor(name);
  if (t == nullptr) {
    throw FormatError(FormatErrorKind::kMissingTensor, path_, FormatError::kNoOffset,
                      "no tensor '" + name + "'");
  }
  return *t;
}

ModelFile parse_model_file(std::shared_ptr<const FileBytes> bytes, const std::string& path,
                           const ReadOptions& options) {
  Parser::Result r = Parser(*bytes, path, options).run();
  ModelFile file;
  file.bytes_ = std::move(bytes);
  file.path_ = path;
  file.version_ = r.version;
  file.kind_ = r.kind;
  file.alignment_ = r.alignment;
  std::copy(std::begin(r.sections), std::end(r.sections), std::begin(file.sections_));
  file.archive_version_ = r.archive_version;
  file.metadata_ = std::move(r.metadata);
  file.tensors_ = std::move(r.tensors);
  file.tensor_crcs_checked_ = options.check_tensor_crcs;
  return file;
}

ModelFile read_model_file(const std::string& path, const ReadOptions& options) {
  const std::string name = path == "-" ? "<stdin>" : path;
  const auto stream_limit = [&](const uint8_t* head, std::size_t size) {
    return Parser::declared_size(head, size, name);
  };
  return parse_model_file(FileBytes::open(path, kPreambleSize, stream_limit), name, options);
}

std::vector<FormatError> find_damage(const ModelFile& file) {
  std::vector<FormatError> damage;
  for (const TensorEntry& t : file.tensors()) {
    const uint32_t found = crc32(t.data, t.byte_size);
    if (found != t.crc32) {
      damage.emplace_back(FormatErrorKind::kChecksum, file.path(), t.offset,
                          "tensor '" + t.name + "' CRC mismatch", hex32(t.crc32), hex32(found));
    }
    const uint64_t padded = align_up(t.byte_size, file.alignment());
    const auto* end = static_cast<const uint8_t*>(t.data) + t.byte_size;
    if (!all_zero(end, padded - t.byte_size)) {
      damage.emplace_back(FormatErrorKind::kBadLayout, file.path(), t.offset + t.byte_size,
                          "nonzero padding after tensor '" + t.name + "'");
    }
  }
  const SectionInfo& data = file.section(Section::kData);
  const uint32_t found = crc32(file.bytes().data() + data.offset, data.size);
  if (found != data.crc32) {
    damage.emplace_back(FormatErrorKind::kChecksum, file.path(), data.offset,
                        "data section CRC mismatch", hex32(data.crc32), hex32(found));
  }
  return damage;
}

}  // namespace attn::formats
