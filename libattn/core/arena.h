// Memory for the activations and gradients of training steps, kept across steps.
//
//   Arena arena;
//   for (auto& batch : batches) {
//     ArenaScope scope(arena);      // Tensor::empty() now allocates from the arena
//     ... forward, backward, optimizer step ...
//     arena.reset();                // the step is over: sizes it did not need go back
//   }
//
// A block goes back to the arena the moment the last tensor using it is gone (a tensor owns
// its block like heap storage does), and waits there, by size class, for the next request
// of that class: in the same step (the backward pass frees the activations of the layers it
// has finished, and their gradients and the next layers' take the same blocks, so a step's
// peak is about its forward activations, not activations plus gradients) or in the next.
// A step that repeats the last one's requests finds every block it needs waiting: from the
// second step on nothing is taken from the system and no page is faulted in again.
#pragma once

#include <cstddef>
#include <memory>

namespace attn {

class Arena {
 public:
  Arena();
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // A 64-byte aligned block of at least `bytes`, returned to the arena when the last copy
  // of the handle is gone (the handle may outlive the arena). Never null (throws
  // std::bad_alloc).
  std::shared_ptr<void> allocate(size_t bytes);
  // The step is over: each size class keeps as many blocks as this step held at once and
  // gives the rest back to the system (steps of other shapes do not pile blocks up).
  void reset();

  size_t bytes_in_use() const;  // blocks handed out and not yet returned
  size_t capacity() const;      // blocks in use plus blocks waiting
  size_t peak_bytes() const;    // the most in use at once since the arena was made

  // The size class of a request: 64-byte multiples up to 1 KiB, then four classes an
  // octave (at most 25% above the request; the tail is never touched, so never faulted in).
  static size_t size_class(size_t bytes);

 private:
  struct Pool;
  std::shared_ptr<Pool> pool_;
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
