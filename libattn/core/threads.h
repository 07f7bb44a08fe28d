// One thread pool for the whole process: our own loops and the GEMMs (OpenBLAS runs
// single-threaded inside it; kernels/gemm.cc splits large products across the pool).
//
//   set_threads(2);
//   parallel_for(rows, [&](int64_t begin, int64_t end) { ... rows [begin, end) ... });
//
// parallel_for splits [0, n) into one fixed chunk per thread, so for a given thread count
// every run does the same arithmetic in the same order (bit-for-bit repeatable). Which
// thread runs a chunk is not fixed: chunks are claimed, and the caller claims too, so when
// the cores are busy with other work and a worker is not on a CPU, the caller does its
// chunks instead of waiting for it. Idle workers spin for a few microseconds (the next
// parallel loop is usually that close), then sleep; nobody ever calls sched_yield.
#pragma once

#include <cstdint>
#include <functional>

namespace attn {

void set_threads(int threads);  // OpenBLAS is set to one thread: the pool splits GEMMs
int threads();

// Runs fn on [0, n) split in chunks; serial when n < min_chunk * 2 or one thread.
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn,
                  int64_t min_chunk = 1);

}  // namespace attn
