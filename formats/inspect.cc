#include "formats/inspect.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace attn::formats {
namespace {

constexpr std::size_t kVocabularySample = 8;

// Welford's running mean and variance: one pass, no catastrophic cancellation on large tensors
// with a large mean (Welford 1962; Knuth TAOCP vol. 2, 4.2.2).
template <typename T>
TensorStats stats_of(const T* values, uint64_t count) {
  TensorStats s;
  s.count = count;
  uint64_t finite = 0;
  double mean = 0;
  double m2 = 0;
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  for (uint64_t i = 0; i < count; ++i) {
    const double v = static_cast<double>(values[i]);
    if (std::isnan(v)) {
      ++s.nan_count;
      continue;
    }
    if (std::isinf(v)) {
      ++s.inf_count;
      continue;
    }
    ++finite;
    const double delta = v - mean;
    mean += delta / static_cast<double>(finite);
    m2 += delta * (v - mean);
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (finite == 0) {
    s.mean = s.std = s.min = s.max = std::numeric_limits<double>::quiet_NaN();
  } else {
    s.mean = mean;
    s.std = std::sqrt(m2 / static_cast<double>(finite));
    s.min = low;
    s.max = high;
  }
  return s;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::string number(double value) {
  return std::isnan(value) ? std::string("-") : fmt::format("{:.4g}", value);
}

// A JSON number, or null where JSON has no number (NaN, infinity).
nlohmann::json json_number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

std::string checksum_status(const ModelFile& file, const std::vector<FormatError>& damage) {
  if (damage.empty()) {
    return fmt::format("all OK (preamble, metadata, directory, {} tensors, data)",
                       file.tensors().size());
  }
  return fmt::format("DAMAGED: {} problem{}, first: {}", damage.size(),
                     damage.size() == 1 ? "" : "s", damage.front().what());
}

}  // namespace

TensorStats compute_stats(const TensorEntry& tensor) {
  switch (tensor.dtype) {
    case FileDType::kF32:
      return stats_of(static_cast<const float*>(tensor.data), tensor.element_count);
    case FileDType::kI32:
      return stats_of(static_cast<const int32_t*>(tensor.data), tensor.element_count);
    case FileDType::kI8:
      return stats_of(static_cast<const int8_t*>(tensor.data), tensor.element_count);
  }
  return {};
}

std::vector<ParameterGroup> parameter_groups(const std::vector<TensorEntry>& tensors) {
  std::vector<ParameterGroup> groups;
  for (const TensorEntry& t : tensors) {
    const std::string name = t.name.substr(0, t.name.find('.'));
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const ParameterGroup& g) { return g.name == name; });
    if (group == groups.end()) group = groups.insert(groups.end(), ParameterGroup{name});
    ++group->tensors;
    group->parameters += t.element_count;
    group->bytes += t.byte_size;
  }
  return groups;
}

std::string escape_text(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string format_summary(const ModelFile& file, const std::vector<FormatError>& damage) {
  const Metadata& meta = file.metadata();
  std::string out = fmt::format("{}\n", file.path());
  const auto line = [&](const char* label, const std::string& text) {
    out += fmt::format("  {:<14}{}\n", label, text);
  };
  line("format", fmt::format(".attn {}.{} {}, {}-byte aligned, {} bytes", file.version().major,
                             file.version().minor, file_kind_name(file.kind()), file.alignment(),
                             file.file_size()));
  line("architecture", fmt::format("{} (tensor naming revision {})", escape_text(meta.architecture),
                                   meta.naming_revision));
  std::vector<std::string> config;
  for (const auto& [key, value] : meta.config) {
    config.push_back(escape_text(key) + "=" + escape_text(value));
  }
  line("config", config.empty() ? "(none)" : fmt::format("{}", fmt::join(config, " ")));
  if (meta.vocabularies.empty()) line("vocabulary", "(none)");
  for (const Vocabulary& v : meta.vocabularies) {
    std::vector<std::string> sample;
    for (std::size_t i = 0; i < v.tokens.size() && i < kVocabularySample; ++i) {
      sample.push_back(escape_text(v.tokens[i]));
    }
    line("vocabulary",
         fmt::format("{}: {} tokens ({}{})", escape_text(v.name), v.tokens.size(),
                     fmt::join(sample, " "), v.tokens.size() > kVocabularySample ? " ..." : ""));
  }
  if (!meta.sentencepiece_model.empty()) {
    line("sentencepiece", fmt::format("embedded model, {} bytes", meta.sentencepiece_model.size()));
  }
  uint64_t total = 0;
  for (const ParameterGroup& g : parameter_groups(file.tensors())) {
    line("parameters", fmt::format("{:<12} {:>12} in {} tensor{}", g.name, g.parameters, g.tensors,
                                   g.tensors == 1 ? "" : "s"));
    total += g.parameters;
  }
  line("parameters",
       fmt::format("{:<12} {:>12} in {} tensors", "total", total, file.tensors().size()));
  // Format 1.1: what storing matrices in int8 saved against the same tensors in f32.
  uint64_t int8_matrices = 0, int8_values = 0, tensor_bytes = 0, scale_bytes = 0;
  for (const TensorEntry& t : file.tensors()) {
    tensor_bytes += t.byte_size;
    if (t.dtype != FileDType::kI8) continue;
    ++int8_matrices;
    int8_values += t.element_count;
    const TensorEntry* scales = file.find_tensor(int8_scale_name(t.name));
    if (scales) scale_bytes += scales->byte_size;
  }
  if (int8_matrices > 0) {
    // Each i8 value as 4 bytes, and no scales.
    const uint64_t f32_bytes = tensor_bytes + 3 * int8_values - scale_bytes;
    line("int8", fmt::format("{} matrices, {} values in i8 (+ f32 row scales): tensors {} bytes, "
                             "{} as f32 ({:.1f}%, {} bytes saved)",
                             int8_matrices, int8_values, tensor_bytes, f32_bytes,
                             100.0 * static_cast<double>(tensor_bytes) /
                                 static_cast<double>(f32_bytes),
                             f32_bytes - tensor_bytes));
  }
  const Provenance& p = meta.provenance;
  std::string training = fmt::format("{} steps, {} epochs", p.steps, p.epochs);
  if (!p.best_valid_metric.empty()) {
    training +=
        fmt::format(", best {} {}", escape_text(p.best_valid_metric), number(p.best_valid_score));
  }
  line("training", training);
  if (file.kind() == FileKind::kCheckpoint) {
    const TrainingState& t = meta.training;
    std::vector<std::string> settings;
    for (const auto& [key, value] : t.optimizer.settings) {
      settings.push_back(fmt::format("{}={}", escape_text(key), value));
    }
    line("optimizer",
         fmt::format("{} {}", escape_text(t.optimizer.name), fmt::join(settings, " ")));
    line("resume at", fmt::format("epoch {}, batch {}, shuffle seed {}, {} RNG words",
                                  t.data_position.epoch, t.data_position.batch_index,
                                  t.data_position.shuffle_seed, t.rng_state.size()));
  }
  line("provenance", fmt::format("{}, created {}, data {}", escape_text(p.tool_version),
                                 escape_text(p.created), escape_text(p.data_hash)));
  line("checksums", checksum_status(file, damage));
  return out;
}

std::string format_tensor_table(const ModelFile& file) {
  std::size_t name_width = 4;
  std::size_t shape_width = 5;
  for (const TensorEntry& t : file.tensors()) {
    name_width = std::max(name_width, t.name.size());
    shape_width = std::max(shape_width, shape_text(t.shape).size());
  }
  std::string out = fmt::format(
      "{:<{}}  {:<5} {:<{}} {:>12} {:>10} {:>10} {:>10} {:>10} {:>5} {:>5}\n", "name", name_width,
      "dtype", "shape", shape_width, "bytes", "mean", "std", "min", "max", "nan", "inf");
  for (const TensorEntry& t : file.tensors()) {
    const TensorStats s = compute_stats(t);
    out += fmt::format("{:<{}}  {:<5} {:<{}} {:>12} {:>10} {:>10} {:>10} {:>10} {:>5} {:>5}\n",
                       t.name, name_width, dtype_name(t.dtype), shape_text(t.shape), shape_width,
                       t.byte_size, number(s.mean), number(s.std), number(s.min), number(s.max),
                       s.nan_count, s.inf_count);
  }
  return out;
}

nlohmann::json describe_json(const ModelFile& file, const std::vector<FormatError>& damage) {
  using nlohmann::json;
  const Metadata& meta = file.metadata();
  // Strings from the file may hold any bytes; JSON needs UTF-8, so they are escaped first.
  const auto text = [](const std::string& s) { return escape_text(s); };
  json j;
  j["path"] = text(file.path());
  j["format"] = {{"major", file.version().major}, {"minor", file.version().minor}};
  j["kind"] = file_kind_name(file.kind());
  j["alignment"] = file.alignment();
  j["file_size"] = file.file_size();
  j["archive_version"] = file.archive_version();
  j["architecture"] = text(meta.architecture);
  j["naming_revision"] = meta.naming_revision;
  j["config"] = json::object();
  for (const auto& [key, value] : meta.config) j["config"][text(key)] = text(value);
  j["vocabularies"] = json::array();
  for (const Vocabulary& v : meta.vocabularies) {
    json tokens = json::array();
    for (const std::string& token : v.tokens) tokens.push_back(text(token));
    j["vocabularies"].push_back(
        {{"name", text(v.name)}, {"size", v.tokens.size()}, {"tokens", tokens}});
  }
  j["sentencepiece_model_bytes"] = meta.sentencepiece_model.size();
  const Provenance& p = meta.provenance;
  j["provenance"] = {{"tool_version", text(p.tool_version)},
                     {"created", text(p.created)},
                     {"steps", p.steps},
                     {"epochs", p.epochs},
                     {"best_valid_score", json_number(p.best_valid_score)},
                     {"best_valid_metric", text(p.best_valid_metric)},
                     {"data_hash", text(p.data_hash)}};
  const TrainingState& t = meta.training;
  json settings = json::object();
  for (const auto& [key, value] : t.optimizer.settings) settings[text(key)] = json_number(value);
  j["training"] = {{"optimizer", {{"name", text(t.optimizer.name)}, {"settings", settings}}},
                   {"rng_state", t.rng_state},
                   {"data_position",
                    {{"epoch", t.data_position.epoch},
                     {"batch_index", t.data_position.batch_index},
                     {"shuffle_seed", t.data_position.shuffle_seed}}}};
  j["groups"] = json::array();
  uint64_t total = 0;
  for (const ParameterGroup& g : parameter_groups(file.tensors())) {
    j["groups"].push_back({{"name", g.name},
                           {"tensors", g.tensors},
                           {"parameters", g.parameters},
                           {"bytes", g.bytes}});
    total += g.parameters;
  }
  j["total_parameters"] = total;
  j["tensors"] = json::array();
  for (const TensorEntry& entry : file.tensors()) {
    const TensorStats s = compute_stats(entry);
    j["tensors"].push_back({{"name", entry.name},
                            {"dtype", dtype_name(entry.dtype)},
                            {"shape", entry.shape},
                            {"bytes", entry.byte_size},
                            {"offset", entry.offset},
                            {"crc32", fmt::format("0x{:08x}", entry.crc32)},
                            {"mean", json_number(s.mean)},
                            {"std", json_number(s.std)},
                            {"min", json_number(s.min)},
                            {"max", json_number(s.max)},
                            {"nan", s.nan_count},
                            {"inf", s.inf_count}});
  }
  json problems = json::array();
  for (const FormatError& e : damage) problems.push_back(text(e.what()));
  j["checksums"] = {{"ok", damage.empty()}, {"problems", problems}};
  j["metadata_text"] = text(file.metadata_text());
  return j;
}

}  // namespace attn::formats
