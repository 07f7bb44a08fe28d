// What the safetensors and npz writers share: tensors checked before the first byte goes
// out, and the JSON text of their headers and config maps.
//
//   std::vector<uint64_t> sizes = checked_export_sizes(tensors, "__metadata__");
//   std::string text = json_object({{"d_model", "16"}});    // {"d_model":"16"}
//   std::string name = json_quote("caf\xc3\xa9");             // "caf\u00e9"
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model_writer.h"

namespace attn::formats {

// Each tensor's byte size, after checking what both formats need: a valid .attn tensor name
// (so it is safe in JSON and as a zip entry), unique and other than `reserved` (the format's
// own entry), rank <= kMaxRank, dims in range, data present. Throws
// FormatError(kInvalidArgument) naming the tensor.
std::vector<uint64_t> checked_export_sizes(const std::vector<TensorToWrite>& tensors,
                                           const std::string& reserved);

// A JSON string literal, pure ASCII: characters outside it become \u escapes (a surrogate
// pair above U+FFFF), so the text is the same in any reader's encoding and one byte is one
// character (npz stores the config as an array of code points). Throws
// FormatError(kInvalidArgument) when text is not valid UTF-8.
std::string json_quote(std::string_view text);

// {"key":"value",...} in key order, through json_quote.
std::string json_object(const std::map<std::string, std::string>& members);

}  // namespace attn::formats
