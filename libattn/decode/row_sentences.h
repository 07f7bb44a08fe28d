// Which source sentence each decoding row belongs to. The beams of one sentence share its
// encoder memory (source K/V, RNN annotations, masks), so a reorder that leaves every row
// index on the same sentence as before - beams trading places within their sentence, the
// common case - need not copy that memory; only a change of the row layout (the first
// expansion to beam rows, a finished sentence dropping out) does.
//
//   RowSentences rows = RowSentences::identity(sentences);  // after encode(): row b = sentence b
//   if (rows.reorder(new_rows)) memory = memory.gather_rows(new_rows);
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace attn {

struct RowSentences {
  std::vector<int32_t> sentence;  // per row

  static RowSentences identity(int64_t sentences) {
    RowSentences out;
    out.sentence.resize(static_cast<std::size_t>(sentences));
    std::iota(out.sentence.begin(), out.sentence.end(), 0);
    return out;
  }

  // New row i continues old row rows[i]. True when the per-row memory must be gathered:
  // some row index now holds another sentence than before, or the row count changed.
  bool reorder(const std::vector<int32_t>& rows) {
    std::vector<int32_t> next(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) next[i] = sentence[static_cast<std::size_t>(rows[i])];
    const bool changed = next != sentence;
    sentence = std::move(next);
    return changed;
  }
};

}  // namespace attn
