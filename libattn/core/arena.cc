#include "libattn/core/arena.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace attn {

namespace {
constexpr size_t kAlign = 64;
// Blocks a class does not need are given back only every this many steps, to the most the
// class held at once in them: a run whose batches change shape (length buckets) keeps what
// its recent steps needed instead of faulting it in again at every change of shape.
constexpr int kTrimEvery = 16;
thread_local Arena* t_current_arena = nullptr;
}  // namespace

size_t Arena::size_class(size_t bytes) {
  if (bytes <= 1024) return std::max<size_t>(1, (bytes + kAlign - 1) / kAlign) * kAlign;
  // Four classes between 2^k and 2^(k+1): steps of 2^(k-2) bytes (a multiple of 64 here).
  size_t octave = 1024;
  while (octave * 2 < bytes) octave *= 2;
  const size_t step = octave / 4;
  return (bytes + step - 1) / step * step;
}

struct Arena::Pool {
  struct Class {
    std::vector<void*> waiting;  // returned blocks, the most recently returned last
    int64_t in_use = 0;
    int64_t most_in_use = 0;  // at once, in the current window of steps
  };
  std::mutex mutex;
  std::unordered_map<size_t, Class> classes;
  size_t bytes_in_use = 0;
  size_t bytes_waiting = 0;
  size_t peak_bytes = 0;
  int steps_since_trim = 0;

  ~Pool() {
    for (auto& [size, c] : classes)
      for (void* block : c.waiting) std::free(block);
  }

  void give_back(void* block, size_t size) {
    std::lock_guard<std::mutex> lock(mutex);
    Class& c = classes[size];
    c.waiting.push_back(block);
    --c.in_use;
    bytes_in_use -= size;
    bytes_waiting += size;
  }
};

Arena::Arena() : pool_(std::make_shared<Pool>()) {}
Arena::~Arena() = default;

std::shared_ptr<void> Arena::allocate(size_t bytes) {
  const size_t size = size_class(bytes);
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool_->mutex);
    Pool::Class& c = pool_->classes[size];
    if (!c.waiting.empty()) {
      block = c.waiting.back();
      c.waiting.pop_back();
      pool_->bytes_waiting -= size;
    } else {
      block = std::aligned_alloc(kAlign, size);
      if (!block) throw std::bad_alloc();
    }
    ++c.in_use;
    c.most_in_use = std::max(c.most_in_use, c.in_use);
    pool_->bytes_in_use += size;
    pool_->peak_bytes = std::max(pool_->peak_bytes, pool_->bytes_in_use);
  }
  // The handle's deleter returns the block and keeps the pool alive (a tensor may outlive
  // the Arena that made it).
  std::shared_ptr<Pool> pool = pool_;
  return std::shared_ptr<void>(block, [pool, size](void* p) { pool->give_back(p, size); });
}

void Arena::reset() {
  std::lock_guard<std::mutex> lock(pool_->mutex);
  if (++pool_->steps_since_trim < kTrimEvery) return;
  pool_->steps_since_trim = 0;
  for (auto it = pool_->classes.begin(); it != pool_->classes.end();) {
    Pool::Class& c = it->second;
    const size_t keep = static_cast<size_t>(std::max<int64_t>(c.most_in_use - c.in_use, 0));
    while (c.waiting.size() > keep) {
      std::free(c.waiting.back());
      c.waiting.pop_back();
      pool_->bytes_waiting -= it->first;
    }
    c.most_in_use = c.in_use;
    it = c.waiting.empty() && c.in_use == 0 ? pool_->classes.erase(it) : std::next(it);
  }
}

size_t Arena::bytes_in_use() const {
  std::lock_guard<std::mutex> lock(pool_->mutex);
  return pool_->bytes_in_use;
}

size_t Arena::capacity() const {
  std::lock_guard<std::mutex> lock(pool_->mutex);
  return pool_->bytes_in_use + pool_->bytes_waiting;
}

size_t Arena::peak_bytes() const {
  std::lock_guard<std::mutex> lock(pool_->mutex);
  return pool_->peak_bytes;
}

Arena* current_arena() { return t_current_arena; }

ArenaScope::ArenaScope(Arena* arena) : previous_(t_current_arena) { t_current_arena = arena; }
ArenaScope::~ArenaScope() { t_current_arena = previous_; }

}  // namespace attn
