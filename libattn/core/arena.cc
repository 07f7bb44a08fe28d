#include "libattn/core/arena.h"

#include <cstdlib>
#include <new>

namespace attn {

namespace {
constexpr size_t kAlign = 64;
thread_local Arena* t_current_arena = nullptr;
size_t round_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
}  // namespace

Arena::Arena(size_t initial_bytes) { blocks_.push_back(new_block(round_up(initial_bytes))); }

Arena::~Arena() {
  for (auto& block : blocks_) std::free(block.data);
}

Arena::Block Arena::new_block(size_t size) {
  void* data = std::aligned_alloc(kAlign, size);
  if (!data) throw std::bad_alloc();
  return {static_cast<std::byte*>(data), size, 0};
}

void* Arena::allocate(size_t bytes) {
  bytes = round_up(bytes == 0 ? 1 : bytes);
  // The blocks in order; a step that repeats the last one's allocations fills them the same way.
  while (current_ < blocks_.size() && blocks_[current_].used + bytes > blocks_[current_].size)
    ++current_;
  if (current_ == blocks_.size())
    blocks_.push_back(new_block(std::max(bytes, blocks_.back().size)));
  Block& block = blocks_[current_];
  void* result = block.data + block.used;
  block.used += bytes;
  in_use_ += bytes;
  return result;
}

void Arena::reset() {
  for (auto& block : blocks_) block.used = 0;
  current_ = 0;
  in_use_ = 0;
}

size_t Arena::capacity() const {
  size_t total = 0;
  for (const auto& block : blocks_) total += block.size;
  return total;
}

Arena* current_arena() { return t_current_arena; }

ArenaScope::ArenaScope(Arena* arena) : previous_(t_current_arena) { t_current_arena = arena; }
ArenaScope::~ArenaScope() { t_current_arena = previous_; }

}  // namespace attn
