#include "libattn/decode/search.h"

#include "libattn/decode/greedy.h"

namespace attn {

std::vector<NBest> search(DecoderModel& model, const std::vector<std::vector<int32_t>>& sources,
                          const BeamOptions& options) {
  return options.beam_size == 1 ? greedy_search(model, sources, options)
                                : beam_search(model, sources, options);
}

}  // namespace attn
