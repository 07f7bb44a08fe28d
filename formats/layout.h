// The fixed numbers of .attn format 1 (formats/FORMAT.md): preamble field offsets, section
// order, caps, and the little-endian integer codec the reader and writer share.
//
//   uint64_t file_size = load_u64(bytes + kFileSizeOffset);
//   store_u32(preamble + kPreambleCrcOffset, crc32(preamble, kPreambleCrcOffset));
//   uint64_t next = align_up(end_of_previous_section, kAlignment);
//
// Changing any value here changes the format: bump kFormatMajor and update FORMAT.md.
#pragma once

#include <cstdint>
#include <cstring>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
// Tensor data is mapped and used in place, which only works where memory is little-endian.
#error "attn formats: tensor data is mapped in place and needs a little-endian host"
#endif

namespace attn::formats {

// Whether a file holds a model for decoding or a checkpoint to resume training from.
enum class FileKind : uint32_t { kModel = 1, kCheckpoint = 2 };

// "model" or "checkpoint".
const char* file_kind_name(FileKind kind);

// The three sections, in the order they appear in a file.
enum class Section : uint32_t { kMetadata = 0, kDirectory = 1, kData = 2 };
inline constexpr uint32_t kSectionCount = 3;

// "metadata", "directory", "data".
const char* section_name(Section section);

// Like PNG's signature: a high-bit byte catches 7-bit transfers, CR LF and LF catch line-ending
// conversion in either direction, and 0x1A stops a DOS `type`.
inline constexpr uint8_t kMagic[8] = {0x89, 'A', 'T', 'N', '\r', '\n', 0x1A, '\n'};

inline constexpr uint16_t kFormatMajor = 1;
// The newest minor version this build reads and writes. A writer stamps a file with the
// lowest minor its dtypes need (dtype_minor_version), so fp32 files stay 1.0.
inline constexpr uint16_t kFormatMinor = 1;

// Written little-endian, so it reads as kEndianTagSwapped after a byte-order conversion.
inline constexpr uint32_t kEndianTag = 0x01020304;
inline constexpr uint32_t kEndianTagSwapped = 0x04030201;

// Preamble: 128 bytes, field offsets. Bytes 0..15 (magic, version, endian tag) keep their place
// in every future major version so any reader can say which version a file is.
inline constexpr uint64_t kPreambleSize = 128;
inline constexpr uint64_t kMajorOffset = 8;
inline constexpr uint64_t kMinorOffset = 10;
inline constexpr uint64_t kEndianOffset = 12;
inline constexpr uint64_t kKindOffset = 16;
inline constexpr uint64_t kAlignmentOffset = 20;
inline constexpr uint64_t kFileSizeOffset = 24;
inline constexpr uint64_t kSectionTableOffset = 32;
inline constexpr uint64_t kSectionEntrySize = 24;  // u64 offset, u64 size, u32 crc, u32 zero
inline constexpr uint64_t kPreambleCrcOffset = 124;

// Metadata section header: u32 Boost archive version, u32 zero, u64 payload length.
inline constexpr uint64_t kMetadataHeaderSize = 16;

// Directory: u32 tensor count, u32 zero; then per tensor a 32-byte fixed part (u32 name length,
// u32 dtype, u32 rank, u32 crc, u64 offset, u64 byte size), rank u64 dims, the name, and zero
// padding to a multiple of 8.
inline constexpr uint64_t kDirectoryHeaderSize = 8;
inline constexpr uint64_t kEntryFixedSize = 32;
inline constexpr uint64_t kMinEntrySize = 40;  // fixed part + a 1-byte name padded to 8

// The writer's alignment for sections and tensors; readers accept any power of two in
// [kMinAlignment, kMaxAlignment] (a page, so mapped tensors stay aligned in memory).
inline constexpr uint32_t kAlignment = 64;
inline constexpr uint32_t kMinAlignment = 64;
inline constexpr uint32_t kMaxAlignment = 4096;

// Hard caps: a file above any of them is refused before anything is allocated for it.
inline constexpr uint64_t kMaxTensors = 1 << 20;
inline constexpr uint32_t kMaxNameLength = 256;
inline constexpr uint32_t kMaxRank = 8;
inline constexpr uint64_t kMaxMetadataBytes = 32ull << 20;
// Each dimension and the product of all of them; times the largest dtype still fits in 64 bits.
inline constexpr uint64_t kMaxElements = 1ull << 60;

// Whether every byte of a tensor name is in [A-Za-z0-9_.:/-]: names show up in terminals, JSON
// and file names, so nothing else is allowed in.
bool is_valid_tensor_name(const char* name, uint64_t length);

inline uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}
inline uint64_t load_u64(const uint8_t* p) {
  uint64_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}
inline void store_u16(uint8_t* p, uint16_t value) { std::memcpy(p, &value, sizeof(value)); }
inline void store_u32(uint8_t* p, uint32_t value) { std::memcpy(p, &value, sizeof(value)); }
inline void store_u64(uint8_t* p, uint64_t value) { std::memcpy(p, &value, sizeof(value)); }

}  // namespace attn::formats
