#include "libattn/core/threads.h"

#include <cblas.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace attn {

namespace {

class Pool {
 public:
  ~Pool() { resize(0); }

  void resize(int workers) {
    {
      std::unique_lock lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    stop_ = false;
    // Each worker starts from the generation current now, so a run() issued before the
    // thread first takes the lock is still seen as new work.
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this, i, start = generation_] { loop(i + 1, start); });
  }

  int workers() const { return static_cast<int>(threads_.size()); }

  // Chunk 0 runs on the caller; chunk i on worker i.
  void run(int chunks, const std::function<void(int)>& chunk_fn) {
    {
      std::unique_lock lock(mutex_);
      task_ = &chunk_fn;
      chunks_ = chunks;
      pending_ = chunks - 1;
      ++generation_;
    }
    wake_.notify_all();
    chunk_fn(0);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
  }

 private:
  void loop(int index, uint64_t seen) {
    for (;;) {
      const std::function<void(int)>* task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        if (index >= chunks_ || !task_) continue;
        task = task_;
      }
      (*task)(index);
      std::unique_lock lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

int g_threads = 1;

}  // namespace

void set_threads(int n) {
  n = std::max(1, n);
  g_threads = n;
  openblas_set_num_threads(n);
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
    if (begin < end) fn(begin, end);
    t_inside_parallel_for = false;
  });
}

}  // namespace attn
