// Element types a .attn file can hold, by their on-disk codes (formats/FORMAT.md, "dtype").
// Codes are stable forever: a new type gets a new code, an old code never changes meaning.
//
//   FileDType dtype = dtype_from_code(code);    // throws std::out_of_range on an unknown code
//   uint64_t bytes = element_count * dtype_size(dtype);
//   fmt::print("{}", dtype_name(dtype));        // "f32"
#pragma once

#include <cstdint>

namespace attn::formats {

enum class FileDType : uint32_t { kF32 = 0, kI32 = 1 };

// Whether code names a dtype this build knows.
bool is_known_dtype(uint32_t code);

// The dtype for a code; std::out_of_range when is_known_dtype(code) is false.
FileDType dtype_from_code(uint32_t code);

// Bytes per element.
uint32_t dtype_size(FileDType dtype);

// Short lowercase name: "f32", "i32".
const char* dtype_name(FileDType dtype);

}  // namespace attn::formats
