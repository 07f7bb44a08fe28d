// Marian's --maxi-batch: of the sentences read together, decode those of similar length
// side by side, so a batch pads little and finishes together; the caller writes the answers
// back in input order.
//
//   for (const std::vector<size_t>& batch : length_sorted_batches(sources, 16))
//     ... decode sources[batch[0]], sources[batch[1]], ...; results[batch[i]] = ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attn {

// Indices into `sources`, sorted by length (longest first, ties in input order), cut into
// batches of at most `batch_size`. Every index appears exactly once.
std::vector<std::vector<size_t>> length_sorted_batches(
    const std::vector<std::vector<int32_t>>& sources, size_t batch_size);

}  // namespace attn
