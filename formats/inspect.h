// What attn-inspect shows about a .attn file, as reusable functions: tensor statistics,
// parameter counts per group, a human summary, a tensor table and a JSON description.
//
//   ReadOptions fast;  fast.check_tensor_crcs = false;       // report damage, do not stop at it
//   ModelFile file = read_model_file("model.attn", fast);
//   std::vector<FormatError> damage = find_damage(file);
//   fmt::print("{}", format_summary(file, damage));
//   nlohmann::json j = describe_json(file, damage);        // everything, for scripts
//
// Strings from the file (tokens, config) are printed with control bytes escaped, so a hostile
// file cannot drive the terminal.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/format_error.h"
#include "formats/model_reader.h"

namespace attn::formats {

// Over the finite values; mean, std, min and max are NaN when there are none.
struct TensorStats {
  uint64_t count = 0;  // all elements, finite or not
  double mean = 0;
  double std = 0;  // population standard deviation
  double min = 0;
  double max = 0;
  uint64_t nan_count = 0;
  uint64_t inf_count = 0;
};

TensorStats compute_stats(const TensorEntry& tensor);

// Tensors grouped by the name prefix before the first '.' ("enc.0.w" -> "enc"), in order of
// first appearance.
struct ParameterGroup {
  std::string name;
  uint64_t tensors = 0;
  uint64_t parameters = 0;  // elements
  uint64_t bytes = 0;
};

std::vector<ParameterGroup> parameter_groups(const std::vector<TensorEntry>& tensors);

// text with bytes below 0x20, 0x7f and backslash escaped (\n, \t, \\, \xNN).
std::string escape_text(const std::string& text);

// Multi-line summary: version, kind, architecture and config, vocabularies with a sample,
// parameters per group, size, training state, provenance and checksum status.
std::string format_summary(const ModelFile& file, const std::vector<FormatError>& damage);

// One line per tensor: name, dtype, shape, bytes, mean, std, min, max, NaN and Inf counts.
std::string format_tensor_table(const ModelFile& file);

// All of the above plus every token and the raw metadata text, as one JSON object. Tokens may
// hold bytes that are not UTF-8: dump with nlohmann::json::error_handler_t::replace.
nlohmann::json describe_json(const ModelFile& file, const std::vector<FormatError>& damage);

}  // namespace attn::formats
