// Vocabulary: token <-> id, with the special tokens every model shares at fixed ids.
//
//   std::unordered_map<std::string, int64_t> counts = count_tokens(tokenized_sentences);
//   Vocabulary vocab = Vocabulary::build(counts, VocabOptions{/*max_size=*/8000, /*min_count=*/2});
//   std::vector<int32_t> ids = vocab.encode({"the", "cat"});     // unknown -> kUnk
//   std::vector<std::string> words = vocab.decode(ids);           // specials dropped
//   Vocabulary same = Vocabulary::from_tokens(vocab.tokens());    // how the model file stores it
//
// Ids: <pad>=0 (padding in batches), <unk>=1, <s>=2 (BOS), </s>=3 (EOS), then tokens by
// descending count, ties by byte order, so the same counts always give the same ids.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace attn {

struct VocabOptions {
  int64_t max_size = 0;   // total entries including the 4 specials; 0 = no limit
  int64_t min_count = 1;  // tokens seen fewer times map to <unk>
};

// Occurrences of each token over tokenized sentences.
std::unordered_map<std::string, int64_t> count_tokens(
    const std::vector<std::vector<std::string>>& sentences);

class Vocabulary {
 public:
  static constexpr int32_t kPad = 0;
  static constexpr int32_t kUnk = 1;
  static constexpr int32_t kBos = 2;
  static constexpr int32_t kEos = 3;
  static constexpr int32_t kSpecials = 4;

  Vocabulary();  // the specials only

  // Tokens equal to a special token's spelling are not added again.
  static Vocabulary build(const std::unordered_map<std::string, int64_t>& counts,
                          const VocabOptions& options);

  // The stored form: tokens in id order, the 4 specials first. A model file is untrusted
  // input, so a wrong special, an empty or a duplicated token throws InputError.
  static Vocabulary from_tokens(const std::vector<std::string>& tokens);
  const std::vector<std::string>& tokens() const { return tokens_; }

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  int32_t id(const std::string& token) const;  // kUnk when absent
  bool contains(const std::string& token) const { return ids_.count(token) > 0; }
  const std::string& token(int32_t id) const;  // throws Error when out of range

  // A token spelled like a special ("</s>" typed in the input) encodes as <unk>: user
  // text cannot end a sentence early or pad it.
  std::vector<int32_t> encode(const std::vector<std::string>& tokens) const;
  // Drops <pad>, <s> and </s>; <unk> stays visible as "<unk>".
  std::vector<std::string> decode(const std::vector<int32_t>& ids) const;

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  void add(const std::string& token);
};

}  // namespace attn
