// Word alignments from a hypothesis's attention rows ([T][S]: one row per output token).
//
//   hard_alignment(hyp.attention)   -> "0-0 2-1 1-2"   (Moses/fast_align "source-target")
//   soft_alignment(hyp.attention)   -> "0.9,0.1,0 0.2,0.1,0.7"
//
// Hard: each output token t is aligned to its most attended source position
// s = argmax_j attention[t][j] (ties to the lower j), printed "s-t" in target order, as
// Marian's --alignment hard prints it. Soft: Marian's --alignment soft layout: one group
// per output token, its weights over the source joined by commas, groups joined by spaces.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace attn {

// (source position, target position) per output token, in target order.
std::vector<std::pair<int, int>> hard_alignment_pairs(
    const std::vector<std::vector<float>>& attention);

std::string hard_alignment(const std::vector<std::vector<float>>& attention);

// Weights printed with up to 6 significant digits ("{:.6g}").
std::string soft_alignment(const std::vector<std::vector<float>>& attention);

}  // namespace attn
