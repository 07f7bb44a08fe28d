#include "libattn/decode/row_state.h"

#include "libattn/core/error.h"

namespace attn {

void reorder_rows(const std::vector<int32_t>& rows, Var& x) {
  if (x.defined()) x = Var(x.value().gather_rows(rows));
}

void reorder_rows(const std::vector<int32_t>& rows, Tensor& x) {
  if (x.defined()) x = x.gather_rows(rows);
}

void reorder_rows(const std::vector<int32_t>& rows, RecurrentState& x) {
  reorder_rows(rows, x.h, x.c);
}

void reorder_rows(const std::vector<int32_t>& rows, std::vector<int32_t>& per_row) {
  std::vector<int32_t> out;
  out.reserve(rows.size());
  for (int32_t r : rows) out.push_back(per_row[static_cast<size_t>(r)]);
  per_row = std::move(out);
}

void keep_on_heap(Var& x) {
  if (x.defined() && !x.value().on_heap()) x = Var(x.value().clone_heap());
}

void keep_on_heap(Tensor& x) {
  if (x.defined() && !x.on_heap()) x = x.clone_heap();
}

void keep_on_heap(RecurrentState& x) { keep_on_heap(x.h, x.c); }

Tensor token_column(const std::vector<int32_t>& prev_tokens, int64_t state_rows,
                    const char* model) {
  const int64_t rows = static_cast<int64_t>(prev_tokens.size());
  ATTN_CHECK(rows == state_rows, "{}::step: {} tokens for {} rows", model, rows, state_rows);
  return Tensor::from_ints({rows, 1}, prev_tokens);
}

void memory_and_keys_on_heap(Var& memory, Var& keys) {
  const bool shared = keys.same(memory);
  keep_on_heap(memory);
  if (shared) keys = memory;
  else keep_on_heap(keys);
}

void reorder_memory_and_keys(const std::vector<int32_t>& rows, Var& memory, Var& keys) {
  const bool shared = keys.same(memory);
  reorder_rows(rows, memory);
  if (shared) keys = memory;
  else reorder_rows(rows, keys);
}

}  // namespace attn
