#include "libattn/train/distributed.h"

#include <algorithm>
#include <cstring>

#include "formats/crc32.h"
#include "libattn/core/error.h"

namespace attn {

SingleProcess& single_process() {
  static SingleProcess world;
  return world;
}

void sum_gradients(Distributed& world, const std::vector<std::pair<std::string, Var>>& parameters,
                   int64_t bucket_floats) {
  if (world.size() == 1) return;
  ATTN_CHECK(bucket_floats > 0, "sum_gradients: bucket size must be positive, got {}", bucket_floats);
  // Which parameters have a gradient anywhere: every rank must reduce the same tensors.
  std::vector<double> has_grad(parameters.size());
  for (size_t i = 0; i < parameters.size(); ++i) has_grad[i] = parameters[i].second.has_grad();
  world.sum(has_grad.data(), static_cast<int64_t>(has_grad.size()));

  // Packing whole tensors into one buffer turns a few hundred small calls (biases, layer
  // norms) into a handful of MB-sized ones, where the network's bandwidth, not its latency,
  // sets the cost; big tensors are cut into bucket-sized pieces.
  std::vector<float> bucket(static_cast<size_t>(bucket_floats));
  struct Piece {
    float* data;
    int64_t count;
  };
  std::vector<Piece> pieces;
  int64_t filled = 0;
  auto flush = [&] {
    if (filled == 0) return;
    world.sum(bucket.data(), filled);
    const float* from = bucket.data();
    for (const Piece& piece : pieces) {
      std::memcpy(piece.data, from, static_cast<size_t>(piece.count) * sizeof(float));
      from += piece.count;
    }
    pieces.clear();
    filled = 0;
  };
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (has_grad[i] == 0) continue;
    Tensor& grad = parameters[i].second.grad();  // zeros where this rank had none
    float* data = grad.data();
    int64_t left = grad.numel();
    while (left > 0) {
      const int64_t count = std::min(left, bucket_floats - filled);
      std::memcpy(bucket.data() + filled, data, static_cast<size_t>(count) * sizeof(float));
      pieces.push_back({data, count});
      filled += count;
      data += count;
      left -= count;
      if (filled == bucket_floats) flush();
    }
  }
  flush();
}

void require_same_on_every_rank(Distributed& world,
                                const std::vector<std::pair<std::string, std::string>>& named_values) {
  if (world.size() == 1) return;
  // The count first: a rank running another attn-train build may list other names.
  std::vector<uint64_t> mine{named_values.size()};
  for (const auto& [name, value] : named_values)
    mine.push_back(formats::crc32(value.data(), value.size()));
  const std::vector<uint64_t> counts = world.gather({mine[0]});
  for (int rank = 1; rank < world.size(); ++rank)
    if (counts[rank] != counts[0])
      throw InputError(fmt::format(
          "rank {} compares {} settings and rank 0 {}: every rank must run the same attn-train", rank,
          counts[rank], counts[0]));
  const std::vector<uint64_t> all = world.gather(mine);
  const size_t stride = mine.size();
  for (int rank = 1; rank < world.size(); ++rank)
    for (size_t i = 1; i < stride; ++i)
      if (all[rank * stride + i] != all[i])
        throw InputError(fmt::format(
            "rank {} differs from rank 0 in {}{}: every rank must train the same model on the same "
            "data with the same flags",
            rank, named_values[i - 1].first,
            world.rank() == 0 || world.rank() == rank
                ? fmt::format(" (this is rank {}: {})", world.rank(), named_values[i - 1].second)
                : ""));
}

uint64_t rank_seed(uint64_t seed, int rank) {
  if (rank == 0) return seed;
  // splitmix64 (Steele et al. 2014) of seed and rank: nearby seeds and ranks give
  // unrelated streams.
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(rank) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace attn
