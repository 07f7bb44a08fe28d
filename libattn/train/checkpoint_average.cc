#include "libattn/train/checkpoint_average.h"

#include "libattn/core/error.h"

namespace attn {
namespace {

// The first way `other` differs from `first` in what averaging needs to be the same, or "".
std::string first_difference(const ModelBundle& first, const ModelBundle& other) {
  const formats::Metadata& a = first.metadata;
  const formats::Metadata& b = other.metadata;
  if (a.architecture != b.architecture)
    return fmt::format("architecture '{}', not '{}'", b.architecture, a.architecture);
  if (a.naming_revision != b.naming_revision)
    return fmt::format("tensor-naming revision {}, not {}", b.naming_revision, a.naming_revision);
  for (const auto& [key, value] : a.config) {
    auto it = b.config.find(key);
    if (it == b.config.end()) return fmt::format("no config '{}' (the first has {})", key, value);
    if (it->second != value) return fmt::format("config {}={}, not {}", key, it->second, value);
  }
  for (const auto& [key, value] : b.config)
    if (!a.config.count(key)) return fmt::format("config {}={} the first lacks", key, value);
  if (first.source.vocab.tokens() != other.source.vocab.tokens())
    return "another source vocabulary";
  if (first.target.vocab.tokens() != other.target.vocab.tokens())
    return "another target vocabulary";
  if (a.sentencepiece_model != b.sentencepiece_model) return "another SentencePiece model";
  const NamedParameters pa = first.model->parameters();
  const NamedParameters pb = other.model->parameters();
  if (pa.size() != pb.size())
    return fmt::format("{} parameter tensors, not {}", pb.size(), pa.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].first != pb[i].first)
      return fmt::format("parameter '{}' where the first has '{}'", pb[i].first, pa[i].first);
    if (pa[i].second.shape() != pb[i].second.shape())
      return fmt::format("parameter '{}' of shape {}, not {}", pb[i].first,
                         shape_str(pb[i].second.shape()), shape_str(pa[i].second.shape()));
  }
  return "";
}

}  // namespace

ModelBundle average_models(const std::vector<std::string>& paths) {
  if (paths.size() < 2)
    throw InputError(fmt::format("averaging needs at least two model files, got {}", paths.size()));
  // The first file's parameters get their own copy: they end up holding the mean.
  ModelBundle average = load_bundle(paths[0], BindMode::kCopy);
  const NamedParameters params = average.model->parameters();
  // Sums in double: float sums of many files would round away the low bits of the mean.
  std::vector<std::vector<double>> sums;
  for (const auto& [name, var] : params) {
    const Tensor& value = var.value();
    sums.emplace_back(value.data(), value.data() + value.numel());
  }
  for (size_t f = 1; f < paths.size(); ++f) {
    const ModelBundle other = load_bundle(paths[f], BindMode::kMap);
    const std::string difference = first_difference(average, other);
    if (!difference.empty())
      throw InputError(
          fmt::format("{}: cannot average with {}: it has {}", paths[f], paths[0], difference));
    const NamedParameters other_params = other.model->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      const float* values = other_params[i].second.value().data();
      for (size_t k = 0; k < sums[i].size(); ++k) sums[i][k] += values[k];
    }
  }
  const double count = static_cast<double>(paths.size());
  for (size_t i = 0; i < params.size(); ++i) {
    float* out = params[i].second.mutable_value().data();
    for (size_t k = 0; k < sums[i].size(); ++k) out[k] = static_cast<float>(sums[i][k] / count);
  }
  return average;
}

}  // namespace attn
