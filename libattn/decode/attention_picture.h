// Pictures of an attention matrix: source tokens across, output tokens down, each cell
// shaded by its weight, like figure 3 of Bahdanau et al. 2015.
//
//   std::string svg = attention_svg(source_tokens, output_tokens, hyp.attention);
//   std::string art = attention_shades(source_tokens, output_tokens, hyp.attention);  // terminal
//
// `weights` is [output token][source token] (Hypothesis::attention). The SVG is standalone
// (no fonts or scripts fetched); the terminal picture uses the Unicode shades " ░▒▓█".
#pragma once

#include <string>
#include <vector>

namespace attn {

std::string attention_svg(const std::vector<std::string>& source_tokens,
                          const std::vector<std::string>& output_tokens,
                          const std::vector<std::vector<float>>& weights);

std::string attention_shades(const std::vector<std::string>& source_tokens,
                             const std::vector<std::string>& output_tokens,
                             const std::vector<std::vector<float>>& weights);

}  // namespace attn
