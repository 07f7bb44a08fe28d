#include "libattn/decode/row_state.h"

#include "libattn/core/error.h"

namespace attn {

Var on_heap(const Var& x) {
  if (!x.defined() || x.value().on_heap()) return x;
  return Var(x.value().clone_heap());
}

RecurrentState on_heap(const RecurrentState& x) { return {on_heap(x.h), on_heap(x.c)}; }

Var gather_rows(const Var& x, const std::vector<int32_t>& rows) {
  return x.defined() ? Var(x.value().gather_rows(rows)) : x;
}

Tensor token_column(const std::vector<int32_t>& prev_tokens, int64_t state_rows,
                    const char* model) {
  const int64_t rows = static_cast<int64_t>(prev_tokens.size());
  ATTN_CHECK(rows == state_rows, "{}::step: {} tokens for {} rows", model, rows, state_rows);
  return Tensor::from_ints({rows, 1}, prev_tokens);
}

void memory_and_keys_on_heap(Var& memory, Var& keys) {
  const bool shared = keys.same(memory);
  memory = on_heap(memory);
  keys = shared ? memory : on_heap(keys);
}

void gather_memory_and_keys(Var& memory, Var& keys, const std::vector<int32_t>& rows) {
  const bool shared = keys.same(memory);
  memory = gather_rows(memory, rows);
  keys = shared ? memory : gather_rows(keys, rows);
}

}  // namespace attn
