// Marian's --maxi-batch: of the sentences read together, decode those of similar length
// side by side, so a batch pads little and finishes together; the caller writes the answers
// back in input order.
//
//   for (const std::vector<size_t>& batch : length_sorted_batches(sources, 16))
//     ... decode sources[batch[0]], sources[batch[1]], ...; results[batch[i]] = ...
//
// or, the same written once (attn-decode's searches and classifications):
//
//   std::vector<NBest> out = decode_in_batches<NBest>(sources, 16, 100, [&](const auto& batch) {
//     return search(model, batch, options);   // one answer a sentence of the batch
//   });
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attn {

// Indices into `sources`, sorted by length (longest first, ties in input order), cut into
// batches of at most `batch_size`. Every index appears exactly once.
std::vector<std::vector<size_t>> length_sorted_batches(
    const std::vector<std::vector<int32_t>>& sources, size_t batch_size);

// The batches of one read of up to mini_batch x maxi_batch sentences: with maxi_batch 1 all of
// them (at most one mini-batch) in input order, else length_sorted_batches(sources,
// mini_batch). None for no sources.
std::vector<std::vector<size_t>> decoding_batches(const std::vector<std::vector<int32_t>>& sources,
                                                  size_t mini_batch, size_t maxi_batch);

// decode(the sources of one batch) -> one Result a source, over decoding_batches; the
// results in input order.
template <typename Result, typename Decode>
std::vector<Result> decode_in_batches(const std::vector<std::vector<int32_t>>& sources,
                                      size_t mini_batch, size_t maxi_batch, Decode decode) {
  std::vector<Result> results(sources.size());
  for (const std::vector<size_t>& batch : decoding_batches(sources, mini_batch, maxi_batch)) {
    std::vector<std::vector<int32_t>> batch_sources;
    for (size_t s : batch) batch_sources.push_back(sources[s]);
    std::vector<Result> decoded = decode(batch_sources);
    for (size_t k = 0; k < batch.size(); ++k) results[batch[k]] = std::move(decoded[k]);
  }
  return results;
}

}  // namespace attn
