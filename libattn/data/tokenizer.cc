#include "libattn/data/tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <unordered_map>

#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/data/utf8.h"

namespace attn {
namespace {

constexpr std::string_view kSpaceMark = "\xe2\x96\x81";  // U+2581, SentencePiece's space

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Feeds the training sentences to SentencePiece without a temporary file.
class VectorSentenceIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorSentenceIterator(const std::vector<std::string>& sentences)
      : sentences_(sentences) {}
  bool done() const override { return next_ >= sentences_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return sentences_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  size_t next_ = 0;
};

}  // namespace

const char* tokenizer_kind_name(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::kWords:
      return "words";
    case TokenizerKind::kCharacters:
      return "chars";
    case TokenizerKind::kSentencePiece:
      return "spm";
  }
  throw Error("tokenizer_kind_name: unknown kind");
}

TokenizerKind parse_tokenizer_kind(const std::string& name) {
  for (TokenizerKind kind :
       {TokenizerKind::kWords, TokenizerKind::kCharacters, TokenizerKind::kSentencePiece}) {
    if (name == tokenizer_kind_name(kind)) return kind;
  }
  throw InputError(
      fmt::format("unknown tokenizer \"{}\"; expected one of: words, chars, spm", name));
}

Tokenizer Tokenizer::words() { return Tokenizer(TokenizerKind::kWords); }

Tokenizer Tokenizer::characters() { return Tokenizer(TokenizerKind::kCharacters); }

Tokenizer Tokenizer::train_sentencepiece(const std::vector<std::string>& sentences,
                                         const SentencePieceOptions& options) {
  if (sentences.empty()) throw InputError("sentencepiece: no training sentences");
  const std::unordered_map<std::string, std::string> args = {
      {"vocab_size", std::to_string(options.vocab_size)},
      {"model_type",
       options.model_type == SentencePieceModelType::kBpe ? std::string("bpe") : "unigram"},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"hard_vocab_limit", "false"},
      {"num_threads", std::to_string(threads())},
      {"minloglevel", "2"},
  };
  VectorSentenceIterator iterator(sentences);
  std::string proto;
  const sentencepiece::util::Status status =
      sentencepiece::SentencePieceTrainer::Train(args, &iterator, &proto);
  if (!status.ok()) {
    throw InputError(fmt::format("sentencepiece training failed: {}", status.ToString()));
  }
  return load_sentencepiece(proto);
}

Tokenizer Tokenizer::load_sentencepiece(const std::string& model_proto) {
  auto processor = std::make_shared<sentencepiece::SentencePieceProcessor>();
  const sentencepiece::util::Status status = processor->LoadFromSerializedProto(model_proto);
  if (!status.ok()) {
    throw InputError(fmt::format("sentencepiece model does not load: {}", status.ToString()));
  }
  Tokenizer tokenizer(TokenizerKind::kSentencePiece);
  tokenizer.model_proto_ = model_proto;
  tokenizer.processor_ = std::move(processor);
  return tokenizer;
}

std::vector<std::string> Tokenizer::split(std::string_view text, std::string_view where) const {
  check_utf8(text, where);
  std::vector<std::string> pieces;
  switch (kind_) {
    case TokenizerKind::kWords:
      for (size_t i = 0; i < text.size();) {
        while (i < text.size() && is_ascii_space(text[i])) ++i;
        const size_t begin = i;
        while (i < text.size() && !is_ascii_space(text[i])) ++i;
        if (i > begin) pieces.emplace_back(text.substr(begin, i - begin));
      }
      break;
    case TokenizerKind::kCharacters:
      pieces = utf8_characters(text);
      for (std::string& piece : pieces) {
        if (piece == " ") piece = kSpaceMark;
      }
      break;
    case TokenizerKind::kSentencePiece: {
      const sentencepiece::util::Status status = processor_->Encode(text, &pieces);
      if (!status.ok()) {
        throw InputError(fmt::format("{}: sentencepiece: {}", where, status.ToString()));
      }
      break;
    }
  }
  return pieces;
}

std::string Tokenizer::join(const std::vector<std::string>& pieces) const {
  std::string text;
  switch (kind_) {
    case TokenizerKind::kWords:
      for (size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0) text += ' ';
        text += pieces[i];
      }
      break;
    case TokenizerKind::kCharacters:
      for (const std::string& piece : pieces) text += piece == kSpaceMark ? " " : piece;
      break;
    case TokenizerKind::kSentencePiece: {
      const sentencepiece::util::Status status = processor_->Decode(pieces, &text);
      ATTN_CHECK(status.ok(), "sentencepiece decode: {}", status.ToString());
      break;
    }
  }
  return text;
}

Vocabulary Tokenizer::sentencepiece_vocabulary() const {
  ATTN_CHECK(kind_ == TokenizerKind::kSentencePiece,
             "sentencepiece_vocabulary: the tokenizer is \"{}\"", tokenizer_kind_name(kind_));
  std::vector<std::string> tokens = Vocabulary().tokens();
  for (int id = 0; id < processor_->GetPieceSize(); ++id) {
    if (processor_->IsControl(id) || processor_->IsUnknown(id)) continue;
    tokens.push_back(processor_->IdToPiece(id));
  }
  return Vocabulary::from_tokens(tokens);
}

}  // namespace attn
