#include "formats/format_error.h"

#include <fmt/format.h>

#include <utility>

namespace attn::formats {
namespace {

std::string compose(const std::string& path, uint64_t offset, const std::string& problem,
                    const std::string& expected, const std::string& found) {
  std::string message = path.empty() ? std::string("<memory>") : path;
  if (offset != FormatError::kNoOffset) message += fmt::format(": byte {}", offset);
  message += ": " + problem;
  if (!expected.empty() || !found.empty()) {
    message += fmt::format(" (expected {}, found {})", expected, found);
  }
  return message;
}

}  // namespace

FormatError::FormatError(FormatErrorKind kind, std::string path, uint64_t offset,
                         std::string problem, std::string expected, std::string found)
    : std::runtime_error(compose(path, offset, problem, expected, found)),
      kind_(kind),
      path_(std::move(path)),
      offset_(offset),
      problem_(std::move(problem)),
      expected_(std::move(expected)),
      found_(std::move(found)) {}

FormatError FormatError::rebased(const std::string& path, uint64_t base_offset) const {
  const uint64_t offset = offset_ == kNoOffset ? kNoOffset : base_offset + offset_;
  return FormatError(kind_, path, offset, problem_, expected_, found_);
}

}  // namespace attn::formats
