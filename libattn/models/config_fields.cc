#include "libattn/models/config_fields.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace attn {

bool parse_config_integer(const std::string& text, int64_t& value) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  value = std::stoll(text);
  return true;
}

bool parse_config_number(const std::string& text, float& value) {
  // from_chars takes no leading spaces or '+', and no hex in the general format.
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && ptr == end;
}

std::string format_config_number(float value) { return fmt::format("{}", value); }

namespace {

std::string bound_text(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

}  // namespace

std::string field_type_text(const FieldInfo& field) {
  switch (field.type) {
    case FieldType::kInteger:
      if (field.min == 1 && field.max == double(kMaxConfigInteger)) return "positive integer";
      if (field.min == 0 && field.max == double(kMaxConfigInteger)) return "non-negative integer";
      return fmt::format("integer in {}..{}", field.min, field.max);
    case FieldType::kNumber:
      return fmt::format("number in {}{}, {}{}", field.min_open ? "(" : "[", bound_text(field.min),
                         bound_text(field.max), field.max_open ? ")" : "]");
    case FieldType::kBoolean:
    case FieldType::kChoice:
      return fmt::format("{}", fmt::join(field.choices, "|"));
  }
  return "?";
}

std::string check_field_value(const FieldInfo& field, const std::string& text,
                              const std::string& model) {
  bool ok = false;
  std::string canonical = text;
  switch (field.type) {
    case FieldType::kInteger: {
      int64_t value = 0;
      ok = parse_config_integer(text, value) && value >= field.min && value <= field.max;
      canonical = std::to_string(value);
      break;
    }
    case FieldType::kNumber: {
      float value = 0;
      ok = parse_config_number(text, value) && std::isfinite(value) &&
           (field.min_open ? value > field.min : value >= field.min) &&
           (field.max_open ? value < field.max : value <= field.max);
      canonical = format_config_number(value);
      break;
    }
    case FieldType::kBoolean:
    case FieldType::kChoice:
      for (const std::string& choice : field.choices) ok = ok || text == choice;
      if (!ok && field.respell) {
        try {
          canonical = field.respell(text);
          ok = true;
        } catch (const InputError&) {
          // Not a spelling either: the message below names the field and its choices.
        }
      }
      break;
  }
  if (ok) return canonical;
  std::string what = field_type_text(field);  // "a positive integer", "one of gru|lstm"
  if (field.type == FieldType::kBoolean || field.type == FieldType::kChoice)
    what = "one of " + what;
  else
    what = (what[0] == 'i' ? "an " : "a ") + what;
  // The flag too: the value may have come from attn-train's command line.
  std::string flag = field.key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  throw InputError(fmt::format("{} model config field '{}' is not {}: '{}' (--{})", model,
                               field.key, what, text, flag));
}

void throw_unknown_preset(const std::string& name) {
  throw InputError("unknown --preset '" + name + "' (expected tiny, small or base)");
}

}  // namespace attn
