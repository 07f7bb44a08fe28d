// The data of one training run, read from its files: the parallel corpora (--train or
// --train-src/--train-tgt; --valid likewise) and what the run makes of them: examples of ids
// for the Batcher, the validation set the Trainer takes, and a hash that tells a resumed run
// its data changed.
//
//   DataOptions data;
//   data.train = "train.tsv";
//   TrainingCorpora corpora = read_training_corpora(data);
//   Batcher batches(to_examples(bundle.source, bundle.target, corpora.train, corpora.train_name),
//                   data.batch);
//   ValidationData valid = validation_data(bundle, corpora, data.batch);
#pragma once

#include <string>
#include <vector>

#include "libattn/data/batching.h"
#include "libattn/data/corpus.h"
#include "libattn/models/model_bundle.h"
#include "libattn/train/trainer.h"

namespace attn {

// Where the data comes from and how it becomes ids and batches.
struct DataOptions {
  std::string train, train_src, train_tgt, valid, valid_src, valid_tgt;
  std::string tokens = "words";       // words | chars | spm, for a new model's tokenizer
  std::string vocab_from, spm_model;  // reuse a model's codecs / a SentencePiece model file
  int spm_vocab_size = 0;
  int64_t vocab_size = 0, min_count = 1;
  BatchOptions batch;
  bool crop = false;  // crop pairs longer than batch.max_length instead of skipping them
};

struct TrainingCorpora {
  ParallelCorpus train, valid;          // valid: empty when none is given
  std::string train_name, valid_name;   // the file names errors cite
};

// The training corpus (InputError when there is none) and the validation corpus, each from a
// tab-separated file or a pair of line-aligned files, never both.
TrainingCorpora read_training_corpora(const DataOptions& data);

// The corpus as ids; an untokenizable line is an InputError at "name:line".
std::vector<Example> to_examples(const TextCodec& source, const TextCodec& target,
                                 const ParallelCorpus& corpus, const std::string& name);

// Validation batches in corpus order and without a length limit (every pair counts), and the
// sources as ids with their raw references for the decoded metrics. Empty without a corpus.
ValidationData validation_data(const ModelBundle& bundle, const TrainingCorpora& corpora,
                               const BatchOptions& train_batching);

// FNV-1a 64 over every source and target line ("fnv1a64:..."): enough to notice a resume on
// other data.
std::string corpus_hash(const ParallelCorpus& corpus);

// Writes the run's data hash into the bundle's provenance, and its creation time for a new
// run (a resumed one keeps its own). A run resumed on other data is warned (unless quiet):
// new data is what --init-from is for.
void record_provenance(ModelBundle& bundle, const std::string& data_hash,
                       const std::string& resumed_from, bool quiet);

}  // namespace attn
