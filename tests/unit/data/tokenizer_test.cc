#include "libattn/data/tokenizer.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"
#include "libattn/data/utf8.h"

namespace attn {
namespace {

using Pieces = std::vector<std::string>;

TEST(Utf8, RejectsEveryMalformedForm) {
  EXPECT_EQ(find_invalid_utf8("plain"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);            // never a UTF-8 byte
  EXPECT_EQ(find_invalid_utf8("a\xc0\xaf"), 1u);         // overlong "/"
  EXPECT_EQ(find_invalid_utf8("\xe0\x80\xaf"), 0u);      // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(find_invalid_utf8("ok\xe2\x82"), 2u);        // truncated
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);              // lone continuation
}

TEST(Utf8, ErrorNamesFileAndLine) {
  try {
    check_utf8("ab\xff", "in.txt:4");
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "in.txt:4: invalid UTF-8 at byte 3 (0xff); convert the file to UTF-8");
  }
}

TEST(Tokenizer, WordsSplitOnWhitespaceRuns) {
  const Tokenizer words = Tokenizer::words();
  EXPECT_EQ(words.split("  the  cat\tsat \r", "t:1"), (Pieces{"the", "cat", "sat"}));
  EXPECT_EQ(words.split("", "t:1"), Pieces{});
  EXPECT_EQ(words.join({"the", "cat"}), "the cat");
}

TEST(Tokenizer, CharactersAreCodePoints) {
  const Tokenizer chars = Tokenizer::characters();
  const std::string text = "h\xc3\xa9 \xe4\xb8\xad!";  // "hé 中!"
  const Pieces pieces = chars.split(text, "t:1");
  EXPECT_EQ(pieces, (Pieces{"h", "\xc3\xa9", "\xe2\x96\x81", "\xe4\xb8\xad", "!"}));
  EXPECT_EQ(chars.join(pieces), text);
  EXPECT_THROW(chars.split("a\xc3", "t:9"), InputError);
  try {
    chars.split("ok\xed\xa0\x80", "data.txt:12");
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("data.txt:12: invalid UTF-8 at byte 3", 0), 0u)
        << e.what();
  }
}

TEST(Tokenizer, KindNames) {
  EXPECT_EQ(parse_tokenizer_kind("spm"), TokenizerKind::kSentencePiece);
  EXPECT_EQ(parse_tokenizer_kind("chars"), TokenizerKind::kCharacters);
  EXPECT_STREQ(tokenizer_kind_name(TokenizerKind::kWords), "words");
  EXPECT_THROW(parse_tokenizer_kind("bpe"), InputError);
}

std::vector<std::string> toy_sentences() {
  const std::vector<std::string> words = {"the", "cat", "sat", "on",   "a",    "mat", "dog",
                                          "ran", "to",  "hat", "that", "cats", "dogs"};
  std::vector<std::string> sentences;
  for (size_t i = 0; i < 300; ++i) {
    std::string s;
    for (size_t k = 0; k < 4 + i % 5; ++k) {
      if (k > 0) s += ' ';
      s += words[(i * 7 + k * 3 + k * k) % words.size()];
    }
    sentences.push_back(s);
  }
  return sentences;
}

TEST(Tokenizer, SentencePieceTrainsSerializesAndRoundTrips) {
  const std::vector<std::string> sentences = toy_sentences();
  SentencePieceOptions options;
  options.vocab_size = 40;
  const Tokenizer spm = Tokenizer::train_sentencepiece(sentences, options);
  EXPECT_EQ(spm.kind(), TokenizerKind::kSentencePiece);
  ASSERT_FALSE(spm.sentencepiece_model().empty());

  const Tokenizer loaded = Tokenizer::load_sentencepiece(spm.sentencepiece_model());
  const Vocabulary vocab = loaded.sentencepiece_vocabulary();
  EXPECT_GT(vocab.size(), Vocabulary::kSpecials + 10);
  EXPECT_LE(vocab.size(), 40 + Vocabulary::kSpecials);
  for (const std::string& text :
       {sentences[0], sentences[17], std::string("the dog sat on that mat")}) {
    const Pieces pieces = loaded.split(text, "t:1");
    EXPECT_EQ(pieces, spm.split(text, "t:1"));
    EXPECT_LT(pieces.size(), text.size());  // subwords, not characters
    EXPECT_EQ(loaded.join(pieces), text);
    for (const std::string& piece : pieces) EXPECT_TRUE(vocab.contains(piece)) << piece;
    EXPECT_EQ(loaded.join(vocab.decode(vocab.encode(pieces))), text);
  }
  EXPECT_THROW(loaded.split("bad\xff", "t:2"), InputError);
  EXPECT_THROW(Tokenizer::load_sentencepiece("not a model"), InputError);
  EXPECT_THROW(Tokenizer::train_sentencepiece({}, options), InputError);
  EXPECT_THROW(Tokenizer::words().sentencepiece_vocabulary(), Error);
}

}  // namespace
}  // namespace attn
