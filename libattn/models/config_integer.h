// std::stoll for the integers of a model config, strictly: decimal digits and nothing else.
// std::stoll skips leading spaces and stops at the first non-digit, so " 16", "16x" and
// "+16" would pass as 16; a config is written by attn and read back exactly, so anything
// else is a damaged or crafted file.
//
//   const int64_t layers = strict_stoll(text);   // std::invalid_argument / std::out_of_range
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace attn {

inline int64_t strict_stoll(const std::string& text, std::size_t* used = nullptr) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("not a plain decimal integer: '" + text + "'");
  if (used) *used = text.size();
  return std::stoll(text);
}

}  // namespace attn
