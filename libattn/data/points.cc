#include "libattn/data/points.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "libattn/core/error.h"
#include "libattn/data/vocab.h"

namespace attn {

int32_t PointCodec::encode(std::string_view piece, std::string_view where) const {
  const std::string text(piece);
  auto bad = [&](const std::string& why) {
    return InputError(fmt::format("{}: '{}' is not a point of {} coordinates in [0, 1] ({})",
                                  where, text, dims, why));
  };
  // Steps of 2^-bits, so decimal data such as 0.25 or 0.31 reads back as written; 1 itself
  // takes the top level, 1 - 2^-bits.
  const int64_t levels = int64_t{1} << bits();
  int64_t packed = 0;
  const char* at = text.c_str();
  for (int d = 0; d < dims; ++d) {
    if (d > 0) {
      if (*at != ',') throw bad(fmt::format("expected ',' before coordinate {}", d + 1));
      ++at;
    }
    char* end = nullptr;
    const double value = std::strtod(at, &end);
    if (end == at) throw bad(fmt::format("coordinate {} is not a number", d + 1));
    if (!(value >= 0.0 && value <= 1.0))
      throw bad(fmt::format("coordinate {} lies outside [0, 1]", d + 1));
    const int64_t level = std::min<int64_t>(std::llround(value * static_cast<double>(levels)), levels - 1);
    packed |= level << (d * bits());
    at = end;
  }
  if (*at != '\0') throw bad("more than " + std::to_string(dims) + " coordinates");
  return static_cast<int32_t>(Vocabulary::kSpecials + packed);
}

std::vector<float> PointCodec::coordinates(int32_t id) const {
  std::vector<float> out(dims, 0.0f);
  if (id < Vocabulary::kSpecials) return out;
  const int64_t packed = id - Vocabulary::kSpecials;
  const int64_t levels = int64_t{1} << bits();
  for (int d = 0; d < dims; ++d)
    out[d] = static_cast<float>(static_cast<double>((packed >> (d * bits())) & (levels - 1)) /
                                static_cast<double>(levels));
  return out;
}

std::string PointCodec::piece(int32_t id) const {
  const int64_t levels = int64_t{1} << bits();
  const int64_t packed = id < Vocabulary::kSpecials ? 0 : id - Vocabulary::kSpecials;
  std::string out;
  for (int d = 0; d < dims; ++d) {
    const int64_t level = (packed >> (d * bits())) & (levels - 1);
    const double value = static_cast<double>(level) / static_cast<double>(levels);
    // The fewest decimals that read back as the same level: "0.31", not "0.30999756".
    std::string text;
    for (int decimals = 0; decimals <= 12; ++decimals) {
      text = fmt::format("{:.{}f}", value, decimals);
      const int64_t again = std::llround(std::strtod(text.c_str(), nullptr) * levels);
      if (std::min(again, levels - 1) == level) break;
    }
    out += (d > 0 ? "," : "") + text;
  }
  return out;
}

Tensor point_coordinates(const Tensor& src, int dims) {
  const PointCodec codec{dims};
  Tensor out = Tensor::empty({src.dim(0), src.dim(1), dims});
  for (int64_t i = 0; i < src.numel(); ++i) {
    const std::vector<float> x = codec.coordinates(src.ints()[i]);
    std::copy(x.begin(), x.end(), out.data() + i * dims);
  }
  return out;
}

}  // namespace attn
