// A model config described once: each field's key, type, bounds, help, the presets that set
// it and the member of the config struct it lives in. Parsing (strict: "256x", " 16" and
// unknown keys are refused), the bounds part of validation, to_map/from_map, presets, and
// attn-train's flags, --help, --dump-config and --resume comparison all read this table (the
// way llama.cpp's common_arg keeps type, default and help in one place). The defaults are the
// struct's member initialisers.
//
//   const ConfigFields<SnailConfig>& SnailConfig::fields() {
//     static const ConfigFields<SnailConfig> table = with_vocabulary_fields<SnailConfig>({
//         integer_field("filters", &SnailConfig::filters, 1, kMaxConfigInteger,
//                       "channels each dense block adds", {{"tiny", "16"}, {"base", "64"}}),
//         ...});
//     return table;
//   }
//   SnailConfig c = config_from_map(SnailConfig::fields(), map, "snail");  // InputError
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libattn/core/error.h"

namespace attn {

using ConfigMap = std::map<std::string, std::string>;

// The presets every architecture offers; "small" is the struct's defaults.
inline const std::vector<std::string> kConfigPresets = {"tiny", "small", "base"};
inline constexpr int64_t kMaxConfigInteger = int64_t{1} << 31;

enum class FieldType { kInteger, kNumber, kBoolean, kChoice };

// One field as a tool sees it, whatever config it belongs to.
struct FieldInfo {
  std::string key;  // the model file's key; attn-train's flag is it with '-' for '_'
  FieldType type = FieldType::kInteger;
  std::string help;
  double min = 0, max = 0;                  // kInteger, kNumber: the bounds
  bool min_open = false, max_open = false;  // kNumber: the bound itself is excluded
  std::vector<std::string> choices;         // kChoice: the names it takes
  // kChoice: other spellings older files use ("scaled_dot", "additive") -> the name; throws
  // InputError for anything else. Unset: the names only.
  std::function<std::string(const std::string&)> respell;
  std::string default_value;                   // as the model file writes it
  std::map<std::string, std::string> presets;  // preset -> value, where not the default
  bool from_data = false;  // a vocabulary size: the data sets it (no flag), a file must have it
  // to_map leaves the key out at its default: keys added after version-1 files (what Marian
  // models need), so attn's own files keep their bytes.
  bool omit_at_default = false;
};

// `text` checked against the field: its canonical text ("0.10" -> "0.1"), or InputError
// "<model> model config field '<key>' is not <what>: '<text>' (--<flag>)".
std::string check_field_value(const FieldInfo& field, const std::string& text,
                              const std::string& model);
// "positive integer", "integer in 0..4", "number in [0, 1)", "true|false", "lstm|gru".
std::string field_type_text(const FieldInfo& field);
// Plain decimal digits, nothing else (no sign, no spaces, at most 18 digits): a config is
// written by attn and read back exactly, so anything else is a damaged or crafted file.
bool parse_config_integer(const std::string& text, int64_t& value);
// A whole decimal or exponent float ("0.1", "1e-05"); no spaces, sign "+", hex or junk.
bool parse_config_number(const std::string& text, float& value);

template <typename Config>
struct ConfigField {
  FieldInfo info;
  std::function<std::string(const Config&)> get;         // the value as text
  std::function<void(Config&, const std::string&)> set;  // from text check_field_value took
};
template <typename Config>
using ConfigFields = std::vector<ConfigField<Config>>;
using Presets = std::map<std::string, std::string>;  // preset name -> value

// ---- The field kinds: one constructor each ----

inline FieldInfo field_info(const char* key, FieldType type, const char* help, Presets presets) {
  FieldInfo info;
  info.key = key, info.type = type, info.help = help, info.presets = std::move(presets);
  return info;
}

template <typename Config>
ConfigField<Config> make_field(FieldInfo info, std::function<std::string(const Config&)> get,
                               std::function<void(Config&, const std::string&)> set) {
  info.default_value = get(Config{});
  return {std::move(info), std::move(get), std::move(set)};
}

template <typename Config>
ConfigField<Config> integer_field(const char* key, int64_t Config::*member, int64_t min,
                                  int64_t max, const char* help, Presets presets = {}) {
  FieldInfo info = field_info(key, FieldType::kInteger, help, std::move(presets));
  info.min = double(min), info.max = double(max);
  return make_field<Config>(
      std::move(info), [member](const Config& c) { return std::to_string(c.*member); },
      [member](Config& c, const std::string& text) { c.*member = std::stoll(text); });
}

// The common case: 1 .. kMaxConfigInteger (widths, counts, layers).
template <typename Config>
ConfigField<Config> positive_field(const char* key, int64_t Config::*member, const char* help,
                                   Presets presets = {}) {
  return integer_field(key, member, 1, kMaxConfigInteger, help, std::move(presets));
}

// Every config's table: src_vocab and tgt_vocab first (set from the data's vocabularies, so
// no flag or preset; required in a model file), then the config's own fields.
template <typename Config>
ConfigFields<Config> with_vocabulary_fields(ConfigFields<Config> own) {
  ConfigFields<Config> fields = {
      positive_field("src_vocab", &Config::src_vocab, "source vocabulary size"),
      positive_field("tgt_vocab", &Config::tgt_vocab, "target vocabulary size V")};
  for (ConfigField<Config>& field : fields) field.info.from_data = true;
  fields.insert(fields.end(), own.begin(), own.end());
  return fields;
}

struct NumberBounds {
  double min, max;
  bool min_open = false, max_open = false;
};
inline constexpr NumberBounds kProbability{0, 1, false, true};  // [0, 1)
inline constexpr NumberBounds kNonNegative{0, std::numeric_limits<double>::infinity(), false,
                                           true};  // [0, inf)

std::string format_config_number(float value);  // shortest text that reads back exactly

template <typename Config>
ConfigField<Config> number_field(const char* key, float Config::*member, NumberBounds bounds,
                                 const char* help, Presets presets = {}) {
  FieldInfo info = field_info(key, FieldType::kNumber, help, std::move(presets));
  info.min = bounds.min, info.max = bounds.max;
  info.min_open = bounds.min_open, info.max_open = bounds.max_open;
  return make_field<Config>(
      std::move(info), [member](const Config& c) { return format_config_number(c.*member); },
      [member](Config& c, const std::string& text) { parse_config_number(text, c.*member); });
}

template <typename Config>
ConfigField<Config> boolean_field(const char* key, bool Config::*member, const char* help,
                                  Presets presets = {}) {
  FieldInfo info = field_info(key, FieldType::kBoolean, help, std::move(presets));
  info.choices = {"true", "false"};
  return make_field<Config>(
      std::move(info), [member](const Config& c) { return c.*member ? "true" : "false"; },
      [member](Config& c, const std::string& text) { c.*member = text == "true"; });
}

// An enum (or a bool with its own two names): `values` in the order --help lists them;
// `parse`, where given, also takes the spellings it knows besides the names.
template <typename Config, typename Enum>
ConfigField<Config> choice_field(const char* key, Enum Config::*member, std::vector<Enum> values,
                                 const char* (*name)(Enum), const char* help, Presets presets = {},
                                 Enum (*parse)(const std::string&) = nullptr) {
  FieldInfo info = field_info(key, FieldType::kChoice, help, std::move(presets));
  for (Enum v : values) info.choices.push_back(name(v));
  if (parse) info.respell = [name, parse](const std::string& text) { return name(parse(text)); };
  return make_field<Config>(
      std::move(info), [member, name](const Config& c) { return std::string(name(c.*member)); },
      [member, values, name](Config& c, const std::string& text) {
        for (Enum v : values)
          if (text == name(v)) c.*member = v;
      });
}

// An enum of the model's own with its names, in the order --help lists them: the one list its
// name function and its choice field read.
template <typename Enum>
using EnumNames = std::vector<std::pair<Enum, const char*>>;

template <typename Enum>
const char* enum_name(const EnumNames<Enum>& names, Enum value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "?";
}

template <typename Config, typename Enum>
ConfigField<Config> choice_field(const char* key, Enum Config::*member, EnumNames<Enum> names,
                                 const char* help, Presets presets = {}) {
  FieldInfo info = field_info(key, FieldType::kChoice, help, std::move(presets));
  for (const auto& [value, name] : names) info.choices.push_back(name);
  return make_field<Config>(
      std::move(info),
      [member, names](const Config& c) { return std::string(enum_name(names, c.*member)); },
      [member, names](Config& c, const std::string& text) {
        for (const auto& [value, name] : names)
          if (text == name) c.*member = value;
      });
}

// A key added after version-1 files (see FieldInfo::omit_at_default).
template <typename Config>
ConfigField<Config> omitted_at_default(ConfigField<Config> field) {
  field.info.omit_at_default = true;
  return field;
}

// ---- What every config does with its table ----

[[noreturn]] void throw_unknown_preset(const std::string& name);

template <typename Config>
Config config_preset(const ConfigFields<Config>& fields, const std::string& name) {
  bool known = false;
  for (const std::string& preset : kConfigPresets) known = known || preset == name;
  if (!known) throw_unknown_preset(name);
  Config c;
  for (const ConfigField<Config>& field : fields)
    if (auto it = field.info.presets.find(name); it != field.info.presets.end())
      field.set(c, it->second);
  return c;
}

template <typename Config>
ConfigMap config_to_map(const ConfigFields<Config>& fields, const Config& c) {
  ConfigMap map;
  for (const ConfigField<Config>& field : fields) {
    std::string text = field.get(c);
    if (field.info.omit_at_default && text == field.info.default_value) continue;
    map[field.info.key] = std::move(text);
  }
  return map;
}

// Every value in its field's bounds; the config's own validate() adds the checks that
// relate fields to each other.
template <typename Config>
void check_config_fields(const ConfigFields<Config>& fields, const Config& c,
                         const std::string& model) {
  for (const ConfigField<Config>& field : fields)
    check_field_value(field.info, field.get(c), model);
}

// Starts from the defaults: every key must be one of the table's, the from_data ones must be
// there, every value must parse within its bounds.
template <typename Config>
Config config_from_map(const ConfigFields<Config>& fields, const ConfigMap& map,
                       const std::string& model) {
  for (const auto& [key, value] : map) {
    bool known = false;
    for (const ConfigField<Config>& field : fields) known = known || field.info.key == key;
    if (!known) throw InputError(model + " model config has an unknown field '" + key + "'");
  }
  Config c;
  for (const ConfigField<Config>& field : fields) {
    auto it = map.find(field.info.key);
    if (it == map.end()) {
      if (field.info.from_data)
        throw InputError(model + " model config has no field '" + field.info.key + "'");
      continue;
    }
    field.set(c, check_field_value(field.info, it->second, model));
  }
  return c;
}

// One field's value in `map`, checked (the default where the map lacks it): for what is
// needed before the whole config is (the pointer network's target vocabulary).
template <typename Config>
std::string config_value(const ConfigFields<Config>& fields, const ConfigMap& map,
                         const std::string& key, const std::string& model) {
  for (const ConfigField<Config>& field : fields) {
    if (field.info.key != key) continue;
    auto it = map.find(key);
    return it == map.end() ? field.info.default_value
                           : check_field_value(field.info, it->second, model);
  }
  throw InputError(model + " model config has no field '" + key + "'");
}

// What every config does with its table, written once: a config derives from
// TableConfig<itself> and has `static const ConfigFields<Config>& fields()` and
// `static constexpr const char* kArchitecture` (the name its errors and model files use);
// it may add `void check_relations() const` for the checks that relate fields to each other.
//
//   SnailConfig c = SnailConfig::preset("tiny");   // the table's preset values
//   SnailConfig d = SnailConfig::from_map(c.to_map());  // InputError on a bad map
template <typename Config>
struct TableConfig {
  // tiny | small (the struct's defaults) | base; vocabulary sizes stay 0 for the data to set.
  static Config preset(const std::string& name) { return config_preset(Config::fields(), name); }
  ConfigMap to_map() const { return config_to_map(Config::fields(), self()); }
  // Starts from the defaults: the vocabulary sizes are required; an unknown key or a bad
  // value throws InputError.
  static Config from_map(const ConfigMap& map) {
    Config c = config_from_map(Config::fields(), map, Config::kArchitecture);
    c.validate();
    return c;
  }
  // Throws InputError naming the bad field.
  void validate() const {
    check_config_fields(Config::fields(), self(), Config::kArchitecture);
    self().check_relations();
  }
  void check_relations() const {}  // none unless the config declares its own

 private:
  const Config& self() const { return static_cast<const Config&>(*this); }
};

template <typename Config>
std::vector<FieldInfo> field_infos(const ConfigFields<Config>& fields) {
  std::vector<FieldInfo> out;
  for (const ConfigField<Config>& field : fields) out.push_back(field.info);
  return out;
}

}  // namespace attn
