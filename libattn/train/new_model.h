// The model a new run starts with (neither --resume nor --init-from): a tokenizer and
// vocabularies built from the training data, or reused from a model file (--vocab-from) or a
// SentencePiece model (--spm-model), so runs that share them produce interchangeable ids
// (ensembles, averaging, fine-tuning chains); then the config takes its vocabulary sizes (and
// the target or point source an architecture sets from it) and the model is built.
//
//   ConfigMap config = default_config("transformer", "small");
//   create_new_model(bundle, "transformer", config, data, corpora.train, "train.tsv", seed);
#pragma once

#include <cstdint>
#include <string>

#include "libattn/data/corpus.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"
#include "libattn/train/training_data.h"

namespace attn {

// bundle.source and bundle.target: built from `corpus` ("name:line" in errors) as
// data.tokens, data.vocab_size and data.min_count say, one vocabulary for both sides with
// `shared_vocab`; or reused as above.
void build_codecs(const DataOptions& data, const ParallelCorpus& corpus, const std::string& name,
                  bool shared_vocab, ModelBundle& bundle);

// build_codecs, then bundle.model: `architecture` with `config`, whose vocabulary sizes it
// sets, initialised from `seed`.
void create_new_model(ModelBundle& bundle, const std::string& architecture, ConfigMap config,
                      const DataOptions& data, const ParallelCorpus& corpus,
                      const std::string& name, uint64_t seed);

}  // namespace attn
