// FileBytes: the whole of a file in memory, read-only, mapped when possible.
//
//   std::shared_ptr<const FileBytes> bytes = FileBytes::open("model.attn");  // "-": stdin
//   const uint8_t* p = bytes->data();   // page-aligned; valid while any shared_ptr copy lives
//   uint64_t n = bytes->size();
//
// A regular file is mapped with mmap (no copy, pages load on first touch). When mapping fails,
// or for stdin and pipes, the bytes are read into a page-aligned buffer instead, so in both
// cases a 64-byte-aligned file offset is a 64-byte-aligned address.
//
// A stream is untrusted and may never end (/dev/zero): open(path, head, limit) reads its first
// `head` bytes, lets `limit` check them (and throw) and say how long the file can be, and
// reads at most one byte more than that, never more than this machine's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace attn::formats {

class FileBytes {
 public:
  // Throws FormatError(kIo) when the file cannot be opened or read.
  static std::shared_ptr<const FileBytes> open(const std::string& path);

  // The bytes a stream may have, given its first bytes (fewer than asked at end of stream).
  using StreamLimit = std::function<uint64_t(const uint8_t* head, std::size_t size)>;
  static std::shared_ptr<const FileBytes> open(const std::string& path, std::size_t head,
                                               const StreamLimit& limit);

  // A private, aligned copy of size bytes at data.
  static std::shared_ptr<const FileBytes> copy(const void* data, std::size_t size);

  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  bool mapped() const { return mapped_; }

 private:
  FileBytes() = default;

  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  bool mapped_ = false;
};

}  // namespace attn::formats
