#include "libattn/data/vocab.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"

namespace attn {
namespace {

TEST(Vocabulary, BuildKeepsMostFrequentWithDeterministicTies) {
  const std::unordered_map<std::string, int64_t> counts = {{"b", 3}, {"a", 3},   {"c", 5},
                                                           {"d", 1}, {"<s>", 9}, {"e", 3}};
  // c (5), then the ties a, b, e by byte order; d is under min_count; "<s>" is a special.
  EXPECT_EQ(Vocabulary::build(counts, VocabOptions{0, 2}).tokens(),
            (std::vector<std::string>{"<pad>", "<unk>", "<s>", "</s>", "c", "a", "b", "e"}));
  EXPECT_EQ(Vocabulary::build(counts, VocabOptions{6, 1}).tokens(),
            (std::vector<std::string>{"<pad>", "<unk>", "<s>", "</s>", "c", "a"}));
  EXPECT_EQ(Vocabulary::build(counts, VocabOptions{0, 1}).size(), 9);
}

TEST(Vocabulary, CountTokens) {
  const auto counts = count_tokens({{"a", "b", "a"}, {"a"}});
  EXPECT_EQ(counts.at("a"), 3);
  EXPECT_EQ(counts.at("b"), 1);
  EXPECT_EQ(counts.size(), 2u);
}

TEST(Vocabulary, EncodeDecode) {
  const Vocabulary vocab = Vocabulary::from_tokens({"<pad>", "<unk>", "<s>", "</s>", "c", "a"});
  EXPECT_EQ(vocab.encode({"c", "zzz", "a", "</s>", "<pad>"}),
            (std::vector<int32_t>{4, 1, 5, 1, 1}));
  EXPECT_EQ(vocab.id("a"), 5);
  EXPECT_EQ(vocab.id("</s>"), Vocabulary::kEos);
  EXPECT_EQ(vocab.decode({2, 4, 5, 1, 3, 0}), (std::vector<std::string>{"c", "a", "<unk>"}));
  EXPECT_EQ(vocab.token(5), "a");
  EXPECT_THROW(vocab.token(6), Error);
  EXPECT_THROW(vocab.token(-1), Error);
}

TEST(Vocabulary, FromTokensRejectsBadLists) {
  EXPECT_EQ(Vocabulary::from_tokens({"<pad>", "<unk>", "<s>", "</s>", "x"}).size(), 5);
  EXPECT_THROW(Vocabulary::from_tokens({"<pad>", "<unk>", "<s>"}), InputError);
  EXPECT_THROW(Vocabulary::from_tokens({"<pad>", "<s>", "<unk>", "</s>"}), InputError);
  EXPECT_THROW(Vocabulary::from_tokens({"<pad>", "<unk>", "<s>", "</s>", "x", "x"}), InputError);
  EXPECT_THROW(Vocabulary::from_tokens({"<pad>", "<unk>", "<s>", "</s>", ""}), InputError);
}

}  // namespace
}  // namespace attn
