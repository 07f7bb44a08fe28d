// Bump allocator for the activations and gradients of one training step.
//
//   Arena arena;
//   for (auto& batch : batches) {
//     ArenaScope scope(arena);      // Tensor::empty() now allocates from the arena
//     ... forward, backward, optimizer step ...
//     arena.reset();                // every arena tensor of this step is now invalid
//   }
//
// After the first step the arena holds blocks enough for a whole step, kept across resets,
// so the inner loop never calls malloc and never page-faults on fresh memory (from the
// second step on: the blocks are not merged into a new one, which would fault them all in
// again).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace attn {

class Arena {
 public:
  explicit Arena(size_t initial_bytes = size_t{1} << 24);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // 64-byte aligned; never returns null (throws std::bad_alloc).
  void* allocate(size_t bytes);
  // Invalidates everything allocated since the last reset; the blocks stay for the next step.
  void reset();
  size_t bytes_in_use() const { return in_use_; }
  size_t capacity() const;

 private:
  struct Block {
    std::byte* data;
    size_t size;
    size_t used;
  };
  std::vector<Block> blocks_;
  size_t current_ = 0;  // the block allocations come from; earlier ones are full
  size_t in_use_ = 0;
  Block new_block(size_t size);
};

// The arena Tensor::empty() draws from on this thread; null means the heap.
Arena* current_arena();

// Makes `arena` current for this thread until the scope ends. Pass nullptr to allocate
// from the heap inside an arena scope (parameters, optimizer state).
class ArenaScope {
 public:
  explicit ArenaScope(Arena* arena);
  explicit ArenaScope(Arena& arena) : ArenaScope(&arena) {}
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  Arena* previous_;
};

}  // namespace attn
