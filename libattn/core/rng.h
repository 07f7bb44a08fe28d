// Seeded random numbers: xoshiro256** seeded by splitmix64. Small state (4 words) that a
// checkpoint stores, so a resumed run draws the same numbers as an uninterrupted one.
//
//   Rng rng(42);
//   float u = rng.uniform();          // [0, 1)
//   float z = rng.normal();           // N(0, 1)
//   uint64_t k = rng.below(10);       // 0..9
#pragma once

#include <array>
#include <cstdint>

namespace attn {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);
  uint64_t next();
  float uniform();
  float normal();
  uint64_t below(uint64_t n);

  std::array<uint64_t, 4> state() const { return state_; }
  void set_state(const std::array<uint64_t, 4>& state) { state_ = state; }

 private:
  std::array<uint64_t, 4> state_;
};

}  // namespace attn
