// One thread setting for the whole process: OpenBLAS inside a GEMM and our own loops.
//
//   set_threads(2);
//   parallel_for(rows, [&](int64_t begin, int64_t end) { ... rows [begin, end) ... });
//
// parallel_for splits [0, n) into one fixed chunk per thread, so for a given thread count
// every run does the same arithmetic in the same order (bit-for-bit repeatable). Workers
// sleep on a condition variable between calls: they never spin while OpenBLAS works.
#pragma once

#include <cstdint>
#include <functional>

namespace attn {

void set_threads(int threads);  // also sets OpenBLAS's thread count
int threads();

// Runs fn on [0, n) split in chunks; serial when n < min_chunk * 2 or one thread.
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn,
                  int64_t min_chunk = 1);

}  // namespace attn
