// CRC-32 (ISO-HDLC: the zlib / PNG / gzip polynomial 0x04C11DB7, reflected, init and final
// xor 0xFFFFFFFF), the checksum every .attn section and tensor carries.
//
//   uint32_t whole = crc32(bytes, size);
//   Crc32 running;                       // or incrementally, in pieces:
//   running.update(head, head_size);
//   running.update(tail, tail_size);
//   assert(running.value() == whole);
#pragma once

#include <boost/crc.hpp>
#include <cstddef>
#include <cstdint>

namespace attn::formats {

class Crc32 {
 public:
  void update(const void* data, std::size_t size) { crc_.process_bytes(data, size); }
  uint32_t value() const { return crc_.checksum(); }

 private:
  boost::crc_32_type crc_;
};

uint32_t crc32(const void* data, std::size_t size);

}  // namespace attn::formats
