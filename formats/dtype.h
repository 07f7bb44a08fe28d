// Element types a .attn file can hold, by their on-disk codes (formats/FORMAT.md, "dtype").
// Codes are stable forever: a new type gets a new code, an old code never changes meaning.
//
//   FileDType dtype = dtype_from_code(code);    // throws std::out_of_range on an unknown code
//   uint64_t bytes = element_count * dtype_size(dtype);
//   fmt::print("{}", dtype_name(dtype));        // "f32"
#pragma once

#include <cstdint>
#include <string>

namespace attn::formats {

// kI8 (format 1.1): a quantized weight matrix, always paired with an f32 tensor of its
// per-row scales named int8_scale_name(weight) (formats/FORMAT.md, "Quantized tensors").
enum class FileDType : uint32_t { kF32 = 0, kI32 = 1, kI8 = 2 };

// The format minor version that introduced the dtype: a file holding it is written as 1.N.
uint16_t dtype_minor_version(FileDType dtype);

// The f32 scale tensor paired with the i8 matrix `name`: "W" -> "W:scale" (':' is in no
// parameter name, so the pair is unambiguous).
inline std::string int8_scale_name(const std::string& name) { return name + ":scale"; }

// Whether code names a dtype this build knows.
bool is_known_dtype(uint32_t code);

// The dtype for a code; std::out_of_range when is_known_dtype(code) is false.
FileDType dtype_from_code(uint32_t code);

// Bytes per element.
uint32_t dtype_size(FileDType dtype);

// Short lowercase name: "f32", "i32", "i8".
const char* dtype_name(FileDType dtype);

}  // namespace attn::formats
