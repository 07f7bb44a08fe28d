// attn-train's model flags, all read off the registry's field tables: one flag per config key
// of any architecture (the key with '-' for '_'; the vocabulary sizes come from the data),
// its --help lines (type, default, range and presets per architecture), the config a new
// model starts from, --dump-config's effective config and --resume's comparison.
//
//   add_model_flags(model_options);                       // --d-model, --cell, ...
//   ConfigMap config = model_config_from_flags(vm, "rnn", "tiny");
//   print_model_fields_help(std::cout);
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "libattn/core/error.h"
#include "libattn/models/registry.h"

namespace attn {

// "d_model" -> "d-model".
inline std::string flag_name(std::string key) {
  for (char& c : key)
    if (c == '_') c = '-';
  return key;
}

// The field `key` of `architecture`, or nullptr where it has none (or the data sets it).
inline const FieldInfo* flag_field(const std::string& architecture, const std::string& key) {
  for (const FieldInfo& field : find_architecture(architecture).fields)
    if (field.key == key && !field.from_data) return &field;
  return nullptr;
}

// Every flag key, in the order of first appearance in the registry, with the architectures
// that have it.
inline std::vector<std::pair<std::string, std::vector<const FieldInfo*>>> model_flag_keys() {
  std::vector<std::pair<std::string, std::vector<const FieldInfo*>>> keys;
  for (const Architecture& architecture : architectures())
    for (const FieldInfo& field : architecture.fields) {
      if (field.from_data) continue;
      auto it = std::find_if(keys.begin(), keys.end(),
                             [&](const auto& entry) { return entry.first == field.key; });
      if (it == keys.end()) it = keys.insert(keys.end(), {field.key, {}});
      it->second.push_back(&field);
    }
  return keys;
}

inline bool is_model_flag(const std::string& flag) {
  for (const auto& [key, fields] : model_flag_keys())
    if (flag_name(key) == flag) return true;
  return false;
}

inline void add_model_flags(boost::program_options::options_description& options) {
  namespace po = boost::program_options;
  for (const auto& [key, fields] : model_flag_keys()) {
    const FieldType type = fields.front()->type;
    std::string owners;
    for (const Architecture& architecture : architectures())
      if (flag_field(architecture.name, key))
        owners += (owners.empty() ? "" : ", ") + architecture.name;
    auto* value = po::value<std::string>();
    // A bare boolean flag means true; any other flag needs its value.
    if (type == FieldType::kBoolean) value->implicit_value("true");
    value->value_name(type == FieldType::kInteger   ? "INT"
                      : type == FieldType::kNumber  ? "NUM"
                      : type == FieldType::kBoolean ? "BOOL"
                                                    : "NAME");
    options.add_options()(flag_name(key).c_str(), value,
                          ("model field of " + owners + " (see Model fields below)").c_str());
  }
}

// The fields of every architecture: flag, type and range, default (the small preset's) and
// what tiny and base set, and what the field means.
inline void print_model_fields_help(std::ostream& out) {
  out << "Model fields (--model NAME; the defaults are the small preset's, and in brackets what "
         "--preset tiny and base set):\n";
  for (const Architecture& architecture : architectures()) {
    out << "  " << architecture.name << ":\n";
    for (const FieldInfo& field : architecture.fields) {
      if (field.from_data) continue;
      std::string presets;  // " (tiny 64, base 512)"
      for (const std::string& name : kConfigPresets)
        if (auto it = field.presets.find(name); it != field.presets.end())
          presets += fmt::format("{}{} {}", presets.empty() ? " (" : ", ", name, it->second);
      if (!presets.empty()) presets += ")";
      out << fmt::format("    --{:<20} {}, default {}{}: {}\n", flag_name(field.key),
                         field_type_text(field), field.default_value, presets, field.help);
    }
  }
}

// The preset's config of `architecture` with the model flags given in `vm` on top; a flag of
// another architecture is refused. Values are checked when the model is made (create_model).
inline ConfigMap model_config_from_flags(const boost::program_options::variables_map& vm,
                                         const std::string& architecture,
                                         const std::string& preset) {
  ConfigMap config = default_config(architecture, preset);
  for (const auto& [key, fields] : model_flag_keys()) {
    const std::string flag = flag_name(key);
    if (!vm.count(flag)) continue;
    if (!flag_field(architecture, key))
      throw InputError("--" + flag + " does not apply to --model " + architecture);
    config[key] = vm[flag].as<std::string>();
  }
  return config;
}

// Every flag field of `architecture` as --dump-config writes it ("d-model" -> "64"): the
// value in `config`, checked, or the field's default where the file leaves it out.
inline std::map<std::string, std::string> model_flag_values(const std::string& architecture,
                                                            const ConfigMap& config) {
  std::map<std::string, std::string> out;
  for (const FieldInfo& field : find_architecture(architecture).fields) {
    if (field.from_data) continue;
    auto it = config.find(field.key);
    out[flag_name(field.key)] = it == config.end()
                                    ? field.default_value
                                    : check_field_value(field, it->second, architecture);
  }
  return out;
}

// A continued run may repeat the model flags its model was made with (the same command line
// plus --resume), but not change the model the file's weights belong to. Values compare as
// their fields read them ("0.10" is dropout 0.1).
inline void check_model_flags_match(const boost::program_options::variables_map& vm,
                                    const Seq2SeqModel& model, const std::string& file) {
  const std::string architecture = model.architecture();
  const std::map<std::string, std::string> saved =
      model_flag_values(architecture, model.config_map());
  for (const auto& [key, fields] : model_flag_keys()) {
    const std::string flag = flag_name(key);
    if (!vm.count(flag)) continue;
    const std::string value = vm[flag].as<std::string>();
    const FieldInfo* field = flag_field(architecture, key);
    if (!field)
      throw InputError(fmt::format(
          "--{}: {} has no such setting; a model continued from a file cannot change", flag, file));
    if (check_field_value(*field, value, architecture) != saved.at(flag))
      throw InputError(fmt::format(
          "--{} {}: {} was trained with {}; a model continued from a file cannot change", flag,
          value, file, saved.at(flag)));
  }
}

}  // namespace attn
