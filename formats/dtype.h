// Element types a .attn file can hold, by their on-disk codes (formats/FORMAT.md).
#pragma once

#include <cstdint>

namespace attn::formats {

enum class FileDType : uint32_t { kF32 = 0, kI32 = 1 };

inline uint32_t dtype_size(FileDType) { return 4; }
inline const char* dtype_name(FileDType dtype) { return dtype == FileDType::kF32 ? "f32" : "i32"; }

}  // namespace attn::formats
