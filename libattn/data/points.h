// Source tokens that are points, not words: "0.25,0.75" is a point of 2 coordinates. A
// pointer network over points (convex hulls, tours) reads their coordinates through a
// learned projection instead of looking up an embedding, so a point never seen in training
// is as readable as any other (Vinyals et al. 2015 feed the coordinates themselves).
//
//   PointCodec codec{2};
//   int32_t id = codec.encode("0.25,0.75", "train.tsv:3");    // one id a point
//   std::vector<float> xy = codec.coordinates(id);             // {0.25, 0.75} (quantized)
//   std::string text = codec.piece(id);                        // "0.25,0.75"
//   Tensor x = point_coordinates(src, 2);                      // [B, S] ids -> [B, S, 2]
//
// The ids carry the coordinates themselves, so the data, the search and the model file need
// nothing new: id = 4 + the coordinates quantized to 28 / D bits each, packed (the 4
// specials keep their ids). Coordinates must lie in [0, 1] and read back in steps of 2^-bits
// (1 itself as 1 - 2^-bits): D = 1 keeps 28 bits, D = 2 14 bits (steps of 6e-5), D = 3 9
// bits (2e-3), D = 4 7 bits (8e-3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

struct PointCodec {
  static constexpr int kMaxDims = 4;
  static constexpr int kPayloadBits = 28;
  int dims = 2;

  int bits() const { return kPayloadBits / dims; }
  // InputError naming `where` and the piece when it is not `dims` numbers in [0, 1] joined
  // by commas.
  int32_t encode(std::string_view piece, std::string_view where) const;
  // The quantized coordinates of a point id; zeros for the specials (padding reads as 0).
  std::vector<float> coordinates(int32_t id) const;
  // The point as text, each coordinate with the fewest decimals that read back as the same
  // id: "0.31,0.77" for data written so, "1" for the top level.
  std::string piece(int32_t id) const;
};

// A batch of point ids as the coordinates a model reads: src int32 [B, S] -> float
// [B, S, dims], zeros at padding. The pointer network and the caption model share it.
Tensor point_coordinates(const Tensor& src, int dims);

}  // namespace attn
