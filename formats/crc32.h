// CRC-32 (ISO-HDLC: the zlib / PNG / gzip polynomial 0x04C11DB7, reflected, init and final
// xor 0xFFFFFFFF), the checksum every .attn section and tensor carries. Computed by zlib's
// crc32_z (table slicing, several times faster than a byte-at-a-time table: it decides the
// startup time of a large model, whose every tensor is checked).
//
//   uint32_t whole = crc32(bytes, size);
//   Crc32 running;                       // or incrementally, in pieces:
//   running.update(head, head_size);
//   running.update(tail, tail_size);
//   assert(running.value() == whole);
#pragma once

#include <cstddef>
#include <cstdint>

namespace attn::formats {

class Crc32 {
 public:
  void update(const void* data, std::size_t size);
  uint32_t value() const { return value_; }

 private:
  uint32_t value_ = 0;  // zlib's running value is the finished CRC of the bytes so far
};

uint32_t crc32(const void* data, std::size_t size);

}  // namespace attn::formats
