#include "libattn/data/vocab.h"

#include <algorithm>

#include "libattn/core/error.h"

namespace attn {
namespace {

const std::vector<std::string> kSpecialTokens = {"<pad>", "<unk>", "<s>", "</s>"};

}  // namespace

std::unordered_map<std::string, int64_t> count_tokens(
    const std::vector<std::vector<std::string>>& sentences) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& sentence : sentences) {
    for (const std::string& token : sentence) ++counts[token];
  }
  return counts;
}

Vocabulary::Vocabulary() {
  for (const std::string& token : kSpecialTokens) add(token);
}

void Vocabulary::add(const std::string& token) {
  ids_.emplace(token, static_cast<int32_t>(tokens_.size()));
  tokens_.push_back(token);
}

Vocabulary Vocabulary::build(const std::unordered_map<std::string, int64_t>& counts,
                             const VocabOptions& options) {
  ATTN_CHECK(options.max_size == 0 || options.max_size >= kSpecials,
             "vocabulary max_size must be 0 (no limit) or >= {}, got {}", kSpecials,
             options.max_size);
  Vocabulary vocab;
  std::vector<std::pair<std::string, int64_t>> ranked;
  for (const auto& [token, count] : counts) {
    if (count >= options.min_count && !vocab.contains(token) && !token.empty()) {
      ranked.emplace_back(token, count);
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& [token, count] : ranked) {
    if (options.max_size > 0 && vocab.size() >= options.max_size) break;
    vocab.add(token);
  }
  return vocab;
}

Vocabulary Vocabulary::from_tokens(const std::vector<std::string>& tokens) {
  if (tokens.size() < kSpecialTokens.size()) {
    throw InputError(fmt::format("vocabulary: {} tokens, expected at least the {} specials",
                                 tokens.size(), kSpecialTokens.size()));
  }
  for (size_t i = 0; i < kSpecialTokens.size(); ++i) {
    if (tokens[i] != kSpecialTokens[i]) {
      throw InputError(fmt::format("vocabulary: id {} is \"{}\", expected \"{}\"", i, tokens[i],
                                   kSpecialTokens[i]));
    }
  }
  Vocabulary vocab;
  for (size_t i = kSpecialTokens.size(); i < tokens.size(); ++i) {
    if (tokens[i].empty()) throw InputError(fmt::format("vocabulary: id {} is empty", i));
    if (vocab.contains(tokens[i])) {
      throw InputError(fmt::format("vocabulary: id {} repeats \"{}\" (id {})", i, tokens[i],
                                   vocab.id(tokens[i])));
    }
    vocab.add(tokens[i]);
  }
  return vocab;
}

int32_t Vocabulary::id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocabulary::token(int32_t id) const {
  ATTN_CHECK(id >= 0 && id < size(), "vocabulary: id {} out of range [0, {})", id, size());
  return tokens_[id];
}

std::vector<int32_t> Vocabulary::encode(const std::vector<std::string>& tokens) const {
  std::vector<int32_t> ids;
  ids.reserve(tokens.size());
  for (const std::string& token : tokens) {
    const int32_t found = id(token);
    ids.push_back(found < kSpecials ? kUnk : found);
  }
  return ids;
}

std::vector<std::string> Vocabulary::decode(const std::vector<int32_t>& ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (id == kPad || id == kBos || id == kEos) continue;
    tokens.push_back(token(id));
  }
  return tokens;
}

}  // namespace attn
