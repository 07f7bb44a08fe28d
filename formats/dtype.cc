#include "formats/dtype.h"

#include <stdexcept>
#include <string>

namespace attn::formats {

bool is_known_dtype(uint32_t code) {
  return code == static_cast<uint32_t>(FileDType::kF32) ||
         code == static_cast<uint32_t>(FileDType::kI32) ||
         code == static_cast<uint32_t>(FileDType::kI8);
}

FileDType dtype_from_code(uint32_t code) {
  if (!is_known_dtype(code)) throw std::out_of_range("unknown dtype code " + std::to_string(code));
  return static_cast<FileDType>(code);
}

uint32_t dtype_size(FileDType dtype) {
  switch (dtype) {
    case FileDType::kF32:
    case FileDType::kI32:
      return 4;
    case FileDType::kI8:
      return 1;
  }
  throw std::out_of_range("unknown dtype");
}

uint16_t dtype_minor_version(FileDType dtype) { return dtype == FileDType::kI8 ? 1 : 0; }

const char* dtype_name(FileDType dtype) {
  switch (dtype) {
    case FileDType::kF32:
      return "f32";
    case FileDType::kI32:
      return "i32";
    case FileDType::kI8:
      return "i8";
  }
  throw std::out_of_range("unknown dtype");
}

}  // namespace attn::formats
