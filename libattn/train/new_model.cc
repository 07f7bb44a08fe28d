#include "libattn/train/new_model.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "libattn/core/error.h"
#include "libattn/core/rng.h"

namespace attn {

namespace {

std::vector<std::vector<std::string>> tokenize_all(const Tokenizer& tokenizer,
                                                   const std::vector<std::string>& lines,
                                                   const std::string& name) {
  std::vector<std::vector<std::string>> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i)
    out.push_back(tokenizer.split(lines[i], fmt::format("{}:{}", name, i + 1)));
  return out;
}

void reuse_codecs(const DataOptions& data, bool shared_vocab, ModelBundle& bundle) {
  if (!data.vocab_from.empty()) {
    const ModelBundle other = load_bundle(data.vocab_from, BindMode::kMap);
    if (shared_vocab && other.source.vocab.tokens() != other.target.vocab.tokens())
      throw InputError(data.vocab_from +
                       ": --shared-vocab needs one vocabulary, and this model has two");
    bundle.source = other.source;
    bundle.target = other.target;
    return;
  }
  std::ifstream in(data.spm_model, std::ios::binary);
  if (!in) throw InputError(data.spm_model + ": cannot open the SentencePiece model");
  const std::string proto((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Tokenizer tokenizer = Tokenizer::words();
  try {
    tokenizer = Tokenizer::load_sentencepiece(proto);
  } catch (const InputError& e) {
    throw InputError(data.spm_model + ": " + e.what());
  }
  const Vocabulary vocab = tokenizer.sentencepiece_vocabulary();
  bundle.source = {tokenizer, vocab};
  bundle.target = {tokenizer, vocab};
}

}  // namespace

void build_codecs(const DataOptions& data, const ParallelCorpus& corpus, const std::string& name,
                  bool shared_vocab, ModelBundle& bundle) {
  if (!data.vocab_from.empty() || !data.spm_model.empty())
    return reuse_codecs(data, shared_vocab, bundle);
  const TokenizerKind kind = parse_tokenizer_kind(data.tokens);
  Tokenizer tokenizer = Tokenizer::words();
  if (kind == TokenizerKind::kCharacters) tokenizer = Tokenizer::characters();
  if (kind == TokenizerKind::kSentencePiece) {
    std::vector<std::string> text = corpus.sources;
    text.insert(text.end(), corpus.targets.begin(), corpus.targets.end());
    SentencePieceOptions spm;
    if (data.spm_vocab_size > 0) spm.vocab_size = data.spm_vocab_size;
    tokenizer = Tokenizer::train_sentencepiece(text, spm);
    Vocabulary vocab = tokenizer.sentencepiece_vocabulary();
    bundle.source = {tokenizer, vocab};
    bundle.target = {tokenizer, vocab};
    return;
  }
  const VocabOptions options{data.vocab_size, data.min_count};
  auto source_tokens = tokenize_all(tokenizer, corpus.sources, name);
  auto target_tokens = tokenize_all(tokenizer, corpus.targets, name);
  if (shared_vocab) {
    source_tokens.insert(source_tokens.end(), target_tokens.begin(), target_tokens.end());
    Vocabulary vocab = Vocabulary::build(count_tokens(source_tokens), options);
    bundle.source = {tokenizer, vocab};
    bundle.target = {tokenizer, vocab};
  } else {
    bundle.source = {tokenizer, Vocabulary::build(count_tokens(source_tokens), options)};
    bundle.target = {tokenizer, Vocabulary::build(count_tokens(target_tokens), options)};
  }
}

void create_new_model(ModelBundle& bundle, const std::string& architecture, ConfigMap config,
                      const DataOptions& data, const ParallelCorpus& corpus,
                      const std::string& name, uint64_t seed) {
  const bool shared = config.count("shared_vocab") && config["shared_vocab"] == "true";
  build_codecs(data, corpus, name, shared, bundle);
  if (auto set_target = find_architecture(architecture).capabilities.set_target_vocabulary)
    set_target(bundle, config);
  use_point_source(bundle, config);
  config["src_vocab"] = std::to_string(bundle.source.vocab.size());
  config["tgt_vocab"] = std::to_string(bundle.target.vocab.size());
  Rng init_rng(seed);
  bundle.model = create_model(architecture, config, init_rng);
}

}  // namespace attn
