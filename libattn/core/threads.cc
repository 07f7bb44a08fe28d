#include "libattn/core/threads.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace attn {

namespace {

// How long an idle worker, or a caller waiting for the last chunk, polls before it sleeps.
// Decoding issues a parallel loop every few microseconds, so a short spin saves the
// wake-up (a futex call and a trip through the scheduler) almost every time; when the cores
// are busy with other work, the spin ends soon and the thread gets off the CPU.
constexpr auto kSpin = std::chrono::microseconds(50);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls `done` for up to kSpin; true when it became true.
template <typename Predicate>
bool spin_until(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return done();
  }
}

// The job word packs (job number << 32) | (chunks << 16) | next unclaimed chunk, so a
// worker claims a chunk of exactly the job it saw, with one compare-and-swap, and a worker
// that arrives after its job ended can never claim a chunk of the next one by mistake.
constexpr uint64_t job_word(uint64_t job, uint64_t chunks) { return job << 32 | chunks << 16; }
constexpr uint32_t job_of(uint64_t word) { return static_cast<uint32_t>(word >> 32); }
constexpr int chunks_of(uint64_t word) { return static_cast<int>(word >> 16 & 0xffff); }
constexpr int next_of(uint64_t word) { return static_cast<int>(word & 0xffff); }
constexpr int kMaxChunks = 0xffff;

class Pool {
 public:
  ~Pool() { resize(0); }

  void resize(int workers) {
    {
      std::lock_guard lock(mutex_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    stop_.store(false);
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this, seen = job_of(word_.load())] { loop(seen); });
  }

  int workers() const { return static_cast<int>(threads_.size()); }

  // Runs chunk_fn(0) .. chunk_fn(chunks - 1), each once, on the caller and the workers.
  void run(int chunks, const std::function<void(int)>& chunk_fn) {
    // Another thread of the program owns the pool right now: run here, serially.
    std::unique_lock owner(run_mutex_, std::try_to_lock);
    if (!owner.owns_lock()) {
      for (int c = 0; c < chunks; ++c) chunk_fn(c);
      return;
    }
    task_ = &chunk_fn;
    error_ = nullptr;
    remaining_.store(chunks);
    const uint32_t job = job_of(word_.load()) + 1;
    word_.store(job_word(job, chunks));
    if (sleepers_.load() > 0) {
      { std::lock_guard lock(mutex_); }
      wake_.notify_all();
    }
    work(job);
    if (!spin_until([this] { return remaining_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock lock(mutex_);
      caller_waiting_.store(true);
      done_.wait(lock, [this] { return remaining_.load() == 0; });
      caller_waiting_.store(false);
    }
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // Claims and runs chunks of `job` until none is left.
  void work(uint32_t job) {
    uint64_t word = word_.load();
    for (;;) {
      if (job_of(word) != job || next_of(word) >= chunks_of(word)) return;
      if (!word_.compare_exchange_weak(word, word + 1)) continue;
      const int chunk = next_of(word);
      try {
        (*task_)(chunk);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (remaining_.fetch_sub(1) == 1 && caller_waiting_.load()) {
        { std::lock_guard lock(mutex_); }
        done_.notify_one();
      }
      word = word_.load();
    }
  }

  void loop(uint32_t seen) {
    for (;;) {
      auto news = [&] { return stop_.load() || job_of(word_.load()) != seen; };
      if (!spin_until(news)) {
        std::unique_lock lock(mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, news);
        sleepers_.fetch_sub(1);
      }
      if (stop_.load()) return;
      seen = job_of(word_.load());
      work(seen);
    }
  }

  std::vector<std::thread> threads_;
  std::mutex run_mutex_;  // held by the thread whose parallel_for owns the pool
  std::mutex mutex_;      // only for sleeping and waking
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> word_{0};
  std::atomic<int> remaining_{0};  // chunks not yet finished
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_waiting_{false};
  std::atomic<bool> stop_{false};
  const std::function<void(int)>* task_ = nullptr;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

int g_threads = 1;

}  // namespace

void set_threads(int n) {
  n = std::clamp(n, 1, kMaxChunks);
  g_threads = n;
  // OpenBLAS's own threads would wait for work by spinning and yielding, taking turns with
  // ours for the cores (with every core busy a decode ran 170x slower at 2 threads than at
  // 1); kernels/gemm.cc splits large products over this pool instead.
  openblas_set_num_threads(1);
  pool().resize(n - 1);
}

int threads() { return g_threads; }

namespace {
// Set while this thread runs a chunk: a parallel_for inside one runs serially, since the
// pool's workers are already taken and waiting on them would deadlock.
thread_local bool t_inside_parallel_for = false;
}  // namespace

void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk) {
  if (t_inside_parallel_for) {
    if (n > 0) fn(0, n);
    return;
  }
  int chunks = static_cast<int>(std::min<int64_t>(g_threads, n / std::max<int64_t>(min_chunk, 1)));
  if (chunks <= 1 || pool().workers() == 0) {
    if (n > 0) fn(0, n);
    return;
  }
  chunks = std::min(chunks, pool().workers() + 1);
  int64_t step = (n + chunks - 1) / chunks;
  pool().run(chunks, [&](int c) {
    int64_t begin = c * step, end = std::min(n, begin + step);
    t_inside_parallel_for = true;
    struct Reset {
      ~Reset() { t_inside_parallel_for = false; }
    } reset;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace attn
