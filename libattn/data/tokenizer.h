// Tokenizer: raw text <-> pieces, before a Vocabulary maps pieces to ids.
//
//   Tokenizer words = Tokenizer::words();                 // "a  b" -> {"a", "b"}
//   Tokenizer chars = Tokenizer::characters();            // "a b" -> {"a", "▁", "b"}
//   Tokenizer spm = Tokenizer::train_sentencepiece(sentences, SentencePieceOptions{});
//   std::string proto = spm.sentencepiece_model();       // stored in the model file
//   Tokenizer again = Tokenizer::load_sentencepiece(proto);
//   std::vector<std::string> pieces = again.split(line, "input.txt:3");
//   std::string text = again.join(pieces);               // == line for SentencePiece
//
// One struct for the three kinds (no virtuals): the kind decides each method's branch.
// Every kind checks UTF-8 first and names the file:line it was given when the text is
// not UTF-8.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libattn/data/vocab.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace attn {

enum class TokenizerKind : uint8_t { kWords, kCharacters, kSentencePiece };

// "words", "chars", "spm": the names the tools and the model file use.
const char* tokenizer_kind_name(TokenizerKind kind);
TokenizerKind parse_tokenizer_kind(const std::string& name);  // InputError when unknown

enum class SentencePieceModelType : uint8_t { kUnigram, kBpe };

struct SentencePieceOptions {
  // An upper bound: with little data SentencePiece stops earlier (hard_vocab_limit=false)
  // instead of failing, so tiny example corpora still train.
  int vocab_size = 8000;
  SentencePieceModelType model_type = SentencePieceModelType::kUnigram;
  // 1.0 keeps every character seen (right for small data and non-Latin scripts); the
  // SentencePiece default 0.9995 maps the rarest characters to <unk>.
  float character_coverage = 1.0f;
};

class Tokenizer {
 public:
  static Tokenizer words();
  static Tokenizer characters();
  // Trains in memory (Kudo & Richardson 2018); throws InputError when SentencePiece
  // refuses the data (for example no sentences).
  static Tokenizer train_sentencepiece(const std::vector<std::string>& sentences,
                                       const SentencePieceOptions& options);
  // From the serialized model proto; InputError when it does not parse.
  static Tokenizer load_sentencepiece(const std::string& model_proto);

  TokenizerKind kind() const { return kind_; }
  // The serialized SentencePiece model; empty for the other kinds.
  const std::string& sentencepiece_model() const { return model_proto_; }

  // where: "file:line" for the error message when text is not UTF-8.
  // kWords: split on ASCII whitespace runs. kCharacters: one piece per code point, a space
  // becomes "▁" (U+2581, as in SentencePiece) so vocabulary listings stay readable.
  std::vector<std::string> split(std::string_view text, std::string_view where) const;
  // kWords: joined by single spaces. kCharacters: concatenated, "▁" back to a space.
  // kSentencePiece: SentencePiece's detokenization.
  std::string join(const std::vector<std::string>& pieces) const;

  // kSentencePiece only: the specials, then every normal piece of the model in its order.
  Vocabulary sentencepiece_vocabulary() const;

 private:
  explicit Tokenizer(TokenizerKind kind) : kind_(kind) {}
  TokenizerKind kind_;
  std::string model_proto_;
  std::shared_ptr<const sentencepiece::SentencePieceProcessor> processor_;
};

}  // namespace attn
