#include "libattn/train/training_data.h"

#include <fmt/format.h>

#include "libattn/core/error.h"

namespace attn {

namespace {

ParallelCorpus read_corpus(const std::string& tsv, const std::string& src, const std::string& tgt,
                           const char* what) {
  if (!tsv.empty() && (!src.empty() || !tgt.empty()))
    throw InputError(fmt::format("give --{0} or --{0}-src/--{0}-tgt, not both", what));
  if (!tsv.empty()) return read_parallel_tsv(tsv);
  if (src.empty() != tgt.empty())
    throw InputError(fmt::format("--{0}-src and --{0}-tgt go together", what));
  if (src.empty()) return {};
  return read_parallel_files(src, tgt);
}

}  // namespace

TrainingCorpora read_training_corpora(const DataOptions& data) {
  TrainingCorpora corpora;
  corpora.train = read_corpus(data.train, data.train_src, data.train_tgt, "train");
  if (corpora.train.size() == 0)
    throw InputError("no training data: give --train or --train-src/--train-tgt");
  corpora.train_name = data.train.empty() ? data.train_src : data.train;
  corpora.valid = read_corpus(data.valid, data.valid_src, data.valid_tgt, "valid");
  corpora.valid_name = data.valid.empty() ? data.valid_src : data.valid;
  return corpora;
}

std::vector<Example> to_examples(const TextCodec& source, const TextCodec& target,
                                 const ParallelCorpus& corpus, const std::string& name) {
  std::vector<Example> examples;
  examples.reserve(corpus.sources.size());
  for (int64_t i = 0; i < corpus.size(); ++i) {
    const std::string where = fmt::format("{}:{}", name, i + 1);
    examples.push_back(
        {source.encode(corpus.sources[i], where), target.encode(corpus.targets[i], where)});
  }
  return examples;
}

ValidationData validation_data(const ModelBundle& bundle, const TrainingCorpora& corpora,
                               const BatchOptions& train_batching) {
  ValidationData valid;
  const ParallelCorpus& corpus = corpora.valid;
  if (corpus.size() == 0) return valid;
  BatchOptions options = train_batching;
  options.order = BatchOrder::kCorpus;
  options.max_length = 0;
  valid.batches = std::make_unique<Batcher>(
      to_examples(bundle.source, bundle.target, corpus, corpora.valid_name), options);
  for (int64_t i = 0; i < corpus.size(); ++i) {
    valid.sources.push_back(bundle.source.encode(
        corpus.sources[i], fmt::format("{}:{}", corpora.valid_name, i + 1)));
    valid.references.push_back(corpus.targets[i]);
  }
  return valid;
}

std::string corpus_hash(const ParallelCorpus& corpus) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&](const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0x0A) * 1099511628211ull;
  };
  for (int64_t i = 0; i < corpus.size(); ++i) {
    mix(corpus.sources[i]);
    mix(corpus.targets[i]);
  }
  return fmt::format("fnv1a64:{:016x}", hash);
}

void record_provenance(ModelBundle& bundle, const std::string& data_hash,
                       const std::string& resumed_from, bool quiet) {
  formats::Provenance& provenance = bundle.metadata.provenance;
  if (!resumed_from.empty() && !provenance.data_hash.empty() &&
      provenance.data_hash != data_hash && !quiet)
    fmt::print(stderr,
               "attn-train: warning: {} was trained on other data (hash {}, now {}); to train "
               "its model on new data, start a new run with --init-from\n",
               resumed_from, provenance.data_hash, data_hash);
  provenance.data_hash = data_hash;
  if (resumed_from.empty()) provenance.created = creation_timestamp();
}

}  // namespace attn
