#include "formats/layout.h"

namespace attn::formats {

const char* file_kind_name(FileKind kind) {
  return kind == FileKind::kModel ? "model" : "checkpoint";
}

const char* section_name(Section section) {
  switch (section) {
    case Section::kMetadata:
      return "metadata";
    case Section::kDirectory:
      return "directory";
    case Section::kData:
      return "data";
  }
  return "unknown";
}

bool is_valid_tensor_name(const char* name, uint64_t length) {
  for (uint64_t i = 0; i < length; ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return length > 0;
}

}  // namespace attn::formats
