#include "libattn/decode/attention_picture.h"

#include <fmt/format.h>

#include <algorithm>

#include "libattn/core/error.h"

namespace attn {

namespace {

void check_shape(const std::vector<std::string>& source, const std::vector<std::string>& output,
                 const std::vector<std::vector<float>>& weights) {
  ATTN_CHECK(weights.size() == output.size(), "attention picture: {} rows for {} output tokens",
             weights.size(), output.size());
  for (const auto& row : weights)
    ATTN_CHECK(row.size() == source.size(), "attention picture: a row of {} for {} source tokens",
               row.size(), source.size());
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Display width in terminal columns, counting each UTF-8 code point as one column.
size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

}  // namespace

std::string attention_svg(const std::vector<std::string>& source,
                          const std::vector<std::string>& output,
                          const std::vector<std::vector<float>>& weights) {
  check_shape(source, output, weights);
  constexpr int kCell = 28, kFont = 12;
  size_t longest_output = 1, longest_source = 1;
  for (const auto& t : output) longest_output = std::max(longest_output, display_width(t));
  for (const auto& t : source) longest_source = std::max(longest_source, display_width(t));
  // Room for the labels: output tokens on the left, source tokens rotated along the top.
  const int left = static_cast<int>(longest_output) * 8 + 12;
  const int top = static_cast<int>(longest_source) * 8 + 12;
  const int width = left + static_cast<int>(source.size()) * kCell + 4;
  const int height = top + static_cast<int>(output.size()) * kCell + 4;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"monospace\" font-size=\"{}\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n",
      width, height, kFont);
  for (size_t j = 0; j < source.size(); ++j) {
    const int x = left + static_cast<int>(j) * kCell + kCell / 2 + kFont / 3;
    svg += fmt::format("<text transform=\"translate({},{}) rotate(-90)\">{}</text>\n", x, top - 6,
                       xml_escape(source[j]));
  }
  for (size_t i = 0; i < output.size(); ++i) {
    const int y = top + static_cast<int>(i) * kCell;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 6,
                       y + kCell / 2 + kFont / 3, xml_escape(output[i]));
    for (size_t j = 0; j < source.size(); ++j) {
      const float w = std::clamp(weights[i][j], 0.0f, 1.0f);
      const int shade = static_cast<int>(255 * (1.0f - w) + 0.5f);  // white = 0, black = 1
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"rgb({},{},{})\">"
          "<title>{} -> {}: {:.3f}</title></rect>\n",
          left + static_cast<int>(j) * kCell, y, kCell, kCell, shade, shade, shade,
          xml_escape(output[i]), xml_escape(source[j]), weights[i][j]);
    }
  }
  svg += "</svg>\n";
  return svg;
}

std::string attention_shades(const std::vector<std::string>& source,
                             const std::vector<std::string>& output,
                             const std::vector<std::vector<float>>& weights) {
  check_shape(source, output, weights);
  static const char* const kShades[] = {" ", "░", "▒", "▓", "█"};
  size_t label_width = 1;
  for (const auto& t : output) label_width = std::max(label_width, display_width(t));
  std::string art;
  // Source tokens as a numbered legend, since they rarely fit across the top.
  for (size_t j = 0; j < source.size(); ++j) art += fmt::format("{}={} ", j, source[j]);
  art += "\n";
  for (size_t i = 0; i < output.size(); ++i) {
    art += std::string(label_width - display_width(output[i]), ' ') + output[i] + " |";
    for (size_t j = 0; j < source.size(); ++j) {
      const float w = std::clamp(weights[i][j], 0.0f, 1.0f);
      const int level = std::min(4, static_cast<int>(w * 5));
      art += kShades[level];
      art += kShades[level];
    }
    art += "|\n";
  }
  return art;
}

}  // namespace attn
