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
  Block* block = &blocks_.back();
  if (block->used + bytes > block->size) {
    blocks_.push_back(new_block(std::max(bytes, block->size)));
    block = &blocks_.back();
  }
  void* result = block->data + block->used;
  block->used += bytes;
  in_use_ += bytes;
  return result;
}

void Arena::reset() {
  if (blocks_.size() > 1) {
    size_t total = capacity();
    for (auto& block : blocks_) std::free(block.data);
    blocks_.clear();
    blocks_.push_back(new_block(total));
  }
  blocks_.back().used = 0;
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
