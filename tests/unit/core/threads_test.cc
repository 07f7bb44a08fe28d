#include "libattn/core/threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace attn {
namespace {

// Sums 0..n-1 with parallel_for, one partial per chunk.
int64_t parallel_sum(int64_t n) {
  std::atomic<int64_t> total{0};
  parallel_for(n, [&](int64_t b, int64_t e) {
    int64_t part = 0;
    for (int64_t i = b; i < e; ++i) part += i;
    total += part;
  });
  return total.load();
}

// Idle workers spin, then sleep: loops spaced further apart than the spin must still wake
// them (a lost wake-up would hang here), and back-to-back loops must not mix jobs.
TEST(Threads, LoopsBackToBackAndAfterSleepingAllComplete) {
  set_threads(2);
  for (int rep = 0; rep < 300; ++rep) {
    ASSERT_EQ(parallel_sum(1000 + rep), (999 + rep) * int64_t(1000 + rep) / 2) << "rep " << rep;
    if (rep % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  set_threads(1);
}

TEST(Threads, ExceptionInAChunkReachesTheCallerAndThePoolStaysUsable) {
  set_threads(2);
  for (int64_t throwing_chunk : {0, 1}) {
    EXPECT_THROW(parallel_for(100,
                              [&](int64_t b, int64_t) {
                                if (b == throwing_chunk * 50) throw std::runtime_error("chunk");
                              }),
                 std::runtime_error);
    EXPECT_EQ(parallel_sum(100), 4950);
  }
  set_threads(1);
}

// Two threads of a program both calling parallel_for: one owns the pool, the other runs its
// loop serially; both get every index exactly once.
TEST(Threads, TwoCallingThreadsAtOnceEachGetTheirWholeRange) {
  set_threads(2);
  std::vector<int64_t> sums(2);
  std::vector<std::thread> callers;
  for (int c = 0; c < 2; ++c)
    callers.emplace_back([&, c] {
      int64_t total = 0;
      for (int rep = 0; rep < 200; ++rep) total += parallel_sum(5000);
      sums[c] = total;
    });
  for (auto& t : callers) t.join();
  for (int64_t s : sums) EXPECT_EQ(s, int64_t(200) * 4999 * 5000 / 2);
  set_threads(1);
}

}  // namespace
}  // namespace attn
