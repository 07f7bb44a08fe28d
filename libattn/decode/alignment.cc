#include "libattn/decode/alignment.h"

#include <fmt/format.h>

namespace attn {

std::vector<std::pair<int, int>> hard_alignment_pairs(
    const std::vector<std::vector<float>>& attention) {
  std::vector<std::pair<int, int>> pairs;
  for (size_t t = 0; t < attention.size(); ++t) {
    const std::vector<float>& row = attention[t];
    if (row.empty()) continue;  // an empty source: nothing to align to
    size_t best = 0;
    for (size_t j = 1; j < row.size(); ++j) {
      if (row[j] > row[best]) best = j;
    }
    pairs.emplace_back(static_cast<int>(best), static_cast<int>(t));
  }
  return pairs;
}

std::string hard_alignment(const std::vector<std::vector<float>>& attention) {
  std::string out;
  for (const auto& [source, target] : hard_alignment_pairs(attention)) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}-{}", source, target);
  }
  return out;
}

std::string soft_alignment(const std::vector<std::vector<float>>& attention) {
  std::string out;
  for (size_t t = 0; t < attention.size(); ++t) {
    if (t > 0) out += ' ';
    for (size_t j = 0; j < attention[t].size(); ++j) {
      if (j > 0) out += ',';
      out += fmt::format("{:.6g}", attention[t][j]);
    }
  }
  return out;
}

}  // namespace attn
