#include "libattn/decode/length_batches.h"

#include <algorithm>
#include <numeric>

#include "libattn/core/error.h"

namespace attn {

std::vector<std::vector<size_t>> length_sorted_batches(
    const std::vector<std::vector<int32_t>>& sources, size_t batch_size) {
  ATTN_CHECK(batch_size > 0, "length_sorted_batches: batch size 0");
  std::vector<size_t> order(sources.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Longest first: the first batch shows at once whether the longest sentences fit.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sources[a].size() > sources[b].size();
  });
  std::vector<std::vector<size_t>> batches;
  for (size_t begin = 0; begin < order.size(); begin += batch_size)
    batches.emplace_back(order.begin() + begin,
                         order.begin() + std::min(order.size(), begin + batch_size));
  return batches;
}

std::vector<std::vector<size_t>> decoding_batches(const std::vector<std::vector<int32_t>>& sources,
                                                  size_t mini_batch, size_t maxi_batch) {
  if (sources.empty()) return {};
  if (maxi_batch > 1) return length_sorted_batches(sources, mini_batch);
  std::vector<std::vector<size_t>> batches(1, std::vector<size_t>(sources.size()));
  std::iota(batches[0].begin(), batches[0].end(), size_t{0});
  return batches;
}

}  // namespace attn
