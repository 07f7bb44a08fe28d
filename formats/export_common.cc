#include "formats/export_common.h"

#include <fmt/format.h>

#include <set>

#include "formats/format_error.h"

namespace attn::formats {
namespace {

[[noreturn]] void throw_invalid(const std::string& problem) {
  throw FormatError(FormatErrorKind::kInvalidArgument, "", FormatError::kNoOffset, problem);
}

// The code point starting at text[i], advancing i; throws on anything RFC 3629 forbids
// (stray continuation bytes, overlong forms, surrogates, values above U+10FFFF).
uint32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  int extra = 0;
  uint32_t code = 0, minimum = 0;
  if (lead < 0x80) {
    ++i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1, code = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, code = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, code = lead & 0x07, minimum = 0x10000;
  } else {
    throw_invalid(fmt::format("text is not valid UTF-8 (byte {} is 0x{:02x})", i, lead));
  }
  for (int k = 1; k <= extra; ++k) {
    if (i + k >= text.size() || (byte(i + k) & 0xC0) != 0x80)
      throw_invalid(fmt::format("text is not valid UTF-8 (sequence at byte {} is cut short)", i));
    code = code << 6 | (byte(i + k) & 0x3F);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
    throw_invalid(fmt::format("text is not valid UTF-8 (bad code point at byte {})", i));
  i += extra + 1;
  return code;
}

}  // namespace

std::vector<uint64_t> checked_export_sizes(const std::vector<TensorToWrite>& tensors,
                                           const std::string& reserved) {
  std::vector<uint64_t> sizes;
  std::set<std::string> seen;
  for (const TensorToWrite& tensor : tensors) {
    if (tensor.name.empty() || tensor.name.size() > kMaxNameLength ||
        !is_valid_tensor_name(tensor.name.data(), tensor.name.size()))
      throw_invalid(fmt::format("tensor name '{}' is not 1-{} bytes of [A-Za-z0-9_.:/-]",
                                tensor.name, kMaxNameLength));
    if (tensor.name == reserved)
      throw_invalid(fmt::format("tensor name '{}' is reserved by the format", reserved));
    if (!seen.insert(tensor.name).second)
      throw_invalid(fmt::format("tensor '{}' appears twice", tensor.name));
    if (tensor.shape.size() > kMaxRank)
      throw_invalid(fmt::format("tensor '{}' has rank {}, more than {}", tensor.name,
                                tensor.shape.size(), kMaxRank));
    uint64_t count = 1;
    for (int64_t dim : tensor.shape) {
      if (dim < 0 || static_cast<uint64_t>(dim) > kMaxElements)
        throw_invalid(fmt::format("tensor '{}' has dimension {}", tensor.name, dim));
      if (dim != 0 && count > kMaxElements / static_cast<uint64_t>(dim))
        throw_invalid(fmt::format("tensor '{}' has too many elements", tensor.name));
      count *= static_cast<uint64_t>(dim);
    }
    const uint64_t bytes = count * dtype_size(tensor.dtype);
    if (bytes > 0 && tensor.data == nullptr)
      throw_invalid(fmt::format("tensor '{}' has no data", tensor.name));
    sizes.push_back(bytes);
  }
  return sizes;
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const uint32_t code = next_code_point(text, i);
    if (code == '"' || code == '\\') {
      out += '\\';
      out += static_cast<char>(code);
    } else if (code >= 0x20 && code < 0x7F) {
      out += static_cast<char>(code);
    } else if (code < 0x10000) {
      out += fmt::format("\\u{:04x}", code);
    } else {
      const uint32_t offset = code - 0x10000;
      out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (offset >> 10), 0xDC00 + (offset & 0x3FF));
    }
  }
  return out + "\"";
}

std::string json_object(const std::map<std::string, std::string>& members) {
  std::string out = "{";
  for (const auto& [key, value] : members) {
    if (out.size() > 1) out += ',';
    out += json_quote(key) + ":" + json_quote(value);
  }
  return out + "}";
}

}  // namespace attn::formats
