#include "formats/crc32.h"

#include <zlib.h>

namespace attn::formats {

void Crc32::update(const void* data, std::size_t size) {
  if (size == 0) return;  // zlib reads a null pointer as "return the initial value"
  value_ = static_cast<uint32_t>(
      crc32_z(value_, static_cast<const Bytef*>(data), static_cast<z_size_t>(size)));
}

uint32_t crc32(const void* data, std::size_t size) {
  Crc32 crc;
  crc.update(data, size);
  return crc.value();
}

}  // namespace attn::formats
