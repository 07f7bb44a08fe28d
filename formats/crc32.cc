#include "formats/crc32.h"

namespace attn::formats {

uint32_t crc32(const void* data, std::size_t size) {
  Crc32 crc;
  crc.update(data, size);
  return crc.value();
}

}  // namespace attn::formats
