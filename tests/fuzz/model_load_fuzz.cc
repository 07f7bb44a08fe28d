// libFuzzer target for what the tools do with a model file whose container is sound: the
// semantic validation at load (load_bundle), then a short decode. Structure-aware: the input
// does not become the file's bytes; it picks a real model (the golden Transformer, or a fresh
// tiny model of another architecture) and a few edits of its metadata and directory (config
// values, architecture, vocabularies, tensor names, shapes, values, file kind), and the writer
// makes a file of them with every CRC right, as a careful attacker would.
//
//   make fuzz FUZZ_SECONDS=600
//   build-fuzz/model_load_fuzz -malloc_limit_mb=1024 tests/fuzz/corpus/model_load
//
// A finding is a crash, a sanitizer report, an allocation over the limit (a 30 KB file must
// not ask for gigabytes), or an exception the tools would report as an internal error (exit
// 1): only InputError and FormatError (exit 2) may come out of a bad file, and a file that
// loads must decode.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/decode/beam_search.h"
#include "libattn/decode/greedy.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/registry.h"

namespace {

using namespace attn;

struct EditableTensor {
  std::string name;
  formats::FileDType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

struct BaseModel {
  formats::FileKind kind;
  formats::Metadata metadata;
  std::vector<EditableTensor> tensors;
};

BaseModel from_bytes(const std::vector<uint8_t>& bytes) {
  const formats::ModelFile file =
      formats::parse_model_file(formats::FileBytes::copy(bytes.data(), bytes.size()), "base");
  BaseModel base{file.kind(), file.metadata(), {}};
  for (const formats::TensorEntry& t : file.tensors()) {
    const auto* p = static_cast<const uint8_t*>(t.data);
    base.tensors.push_back({t.name, t.dtype, t.shape, {p, p + t.byte_size}});
  }
  return base;
}

// A fresh tiny model of `architecture` over the letters a..h, as attn-train would save it.
std::vector<uint8_t> fresh_model(const std::string& architecture) {
  ConfigMap config = default_config(architecture, "tiny");
  ModelBundle bundle;
  std::vector<std::string> tokens = Vocabulary().tokens();
  for (char c = 'a'; c <= 'h'; ++c) tokens.push_back(std::string(1, c));
  bundle.source = bundle.target = {Tokenizer::words(), Vocabulary::from_tokens(tokens), 0};
  config["src_vocab"] = config["tgt_vocab"] = std::to_string(tokens.size());
  Rng rng(1);
  bundle.model = create_model(architecture, config, rng);
  const std::string path = "/tmp/attn_model_load_fuzz_" + architecture + ".attn";
  save_bundle(path, formats::FileKind::kModel, bundle);
  const formats::ModelFile file = formats::read_model_file(path);
  std::remove(path.c_str());
  return {file.bytes().data(), file.bytes().data() + file.bytes().size()};
}

const std::vector<BaseModel>& bases() {
  static const std::vector<BaseModel> models = [] {
    std::vector<BaseModel> out;
    const formats::ModelFile golden =
        formats::read_model_file(ATTN_SOURCE_DIR "/tests/data/formats/v1/reverse-tiny.attn");
    out.push_back(from_bytes({golden.bytes().data(), golden.bytes().data() + golden.bytes().size()}));
    // Format 1.1: the same model with its weight matrices in int8 and their :scale tensors.
    const formats::ModelFile int8 =
        formats::read_model_file(ATTN_SOURCE_DIR "/tests/data/formats/v1_1/reverse-tiny.int8.attn");
    out.push_back(from_bytes({int8.bytes().data(), int8.bytes().data() + int8.bytes().size()}));
    for (const char* architecture : {"rnn", "ntm", "snail", "classifier"}) {
      try {
        out.push_back(from_bytes(fresh_model(architecture)));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "model_load_fuzz: no %s base model: %s\n", architecture, e.what());
      }
    }
    return out;
  }();
  return models;
}

std::string config_value(FuzzedDataProvider& in) {
  static const char* const kInteresting[] = {
      "0", "1", "2", "3", "4", "7", "16", "-1", "2147483647", "2147483648", "1073741824",
      "4294967296", "9223372036854775807", "16x", " 16", "+16", "1e3", "0x10", "true", "false",
      "nan", "0.5", "1", "", "65536"};
  if (in.ConsumeBool()) return kInteresting[in.ConsumeIntegralInRange<size_t>(0, 24)];
  return in.ConsumeRandomLengthString(12);
}

int64_t small_dim(FuzzedDataProvider& in) {
  static const int64_t kDims[] = {0, 1, 2, 3, 4, 8, 12, 16, 32, 64};
  return kDims[in.ConsumeIntegralInRange<size_t>(0, 9)];
}

void edit(FuzzedDataProvider& in, BaseModel& m) {
  const int edits = in.ConsumeIntegralInRange(1, 6);
  for (int e = 0; e < edits && in.remaining_bytes() > 0; ++e) {
    const size_t pick = m.tensors.empty() ? 0 : in.ConsumeIntegralInRange<size_t>(0, m.tensors.size() - 1);
    switch (in.ConsumeIntegralInRange(0, 9)) {
      case 0: {  // a config value, of an existing key or a new one
        std::string key = in.ConsumeRandomLengthString(16);
        if (in.ConsumeBool() && !m.metadata.config.empty()) {
          auto it = m.metadata.config.begin();
          std::advance(it, in.ConsumeIntegralInRange<size_t>(0, m.metadata.config.size() - 1));
          key = it->first;
        }
        m.metadata.config[key] = config_value(in);
        break;
      }
      case 1:
        if (in.ConsumeBool() && !m.metadata.config.empty()) {
          auto it = m.metadata.config.begin();
          std::advance(it, in.ConsumeIntegralInRange<size_t>(0, m.metadata.config.size() - 1));
          m.metadata.config.erase(it);
        } else {
          m.metadata.architecture = in.ConsumeBool() ? known_architectures()[in.ConsumeIntegralInRange<size_t>(0, 6)]
                                                     : in.ConsumeRandomLengthString(12);
        }
        break;
      case 2: {  // a vocabulary: a token more, one less, or one replaced
        if (m.metadata.vocabularies.empty()) break;
        auto& tokens = m.metadata.vocabularies[in.ConsumeIntegralInRange<size_t>(
                                                   0, m.metadata.vocabularies.size() - 1)]
                           .tokens;
        const int how = in.ConsumeIntegralInRange(0, 2);
        if (how == 0) tokens.push_back(in.ConsumeRandomLengthString(8));
        if (how == 1 && !tokens.empty()) tokens.pop_back();
        if (how == 2 && !tokens.empty())
          tokens[in.ConsumeIntegralInRange<size_t>(0, tokens.size() - 1)] = in.ConsumeRandomLengthString(8);
        break;
      }
      case 3:
        if (!m.tensors.empty()) m.tensors.erase(m.tensors.begin() + static_cast<long>(pick));
        break;
      case 4: {  // a new shape (the bytes follow it)
        if (m.tensors.empty()) break;
        EditableTensor& t = m.tensors[pick];
        t.shape.assign(in.ConsumeIntegralInRange<size_t>(0, 3), 0);
        for (int64_t& d : t.shape) d = small_dim(in);
        int64_t count = 1;
        for (int64_t d : t.shape) count *= d;
        t.bytes.resize(static_cast<size_t>(count) * formats::dtype_size(t.dtype));
        break;
      }
      case 5:
        if (!m.tensors.empty())
          m.tensors[pick].name = in.ConsumeBool() && m.tensors.size() > 1
                                     ? m.tensors[(pick + 1) % m.tensors.size()].name + ".x"
                                     : in.ConsumeRandomLengthString(24);
        break;
      case 6: {  // a poisoned value
        if (m.tensors.empty() || m.tensors[pick].bytes.size() < 4) break;
        static const float kValues[] = {NAN, INFINITY, -INFINITY, 1e38f, -1e38f, 0.0f};
        const float v = kValues[in.ConsumeIntegralInRange<size_t>(0, 5)];
        std::memcpy(m.tensors[pick].bytes.data() +
                        4 * in.ConsumeIntegralInRange<size_t>(0, m.tensors[pick].bytes.size() / 4 - 1),
                    &v, 4);
        break;
      }
      case 7:
        m.kind = m.kind == formats::FileKind::kModel ? formats::FileKind::kCheckpoint
                                                     : formats::FileKind::kModel;
        break;
      case 8: {  // another dtype (i32, or i8 without scales), the bytes resized to it
        if (m.tensors.empty()) break;
        EditableTensor& t = m.tensors[pick];
        const size_t count = t.bytes.size() / formats::dtype_size(t.dtype);
        t.dtype = in.ConsumeBool() ? formats::FileDType::kI32 : formats::FileDType::kI8;
        t.bytes.resize(count * formats::dtype_size(t.dtype));
        break;
      }
      case 9: {
        EditableTensor t{in.ConsumeRandomLengthString(24), formats::FileDType::kF32, {small_dim(in)}, {}};
        t.bytes.resize(static_cast<size_t>(t.shape[0]) * 4);
        m.tensors.push_back(std::move(t));
        break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  BaseModel model = bases()[in.ConsumeIntegralInRange<size_t>(0, bases().size() - 1)];
  edit(in, model);
  std::vector<formats::TensorToWrite> tensors;
  for (const EditableTensor& t : model.tensors)
    tensors.push_back({t.name, t.dtype, t.shape, t.bytes.data()});
  std::vector<uint8_t> bytes;
  try {
    bytes = formats::encode_model_file(model.kind, model.metadata, tensors);
  } catch (const formats::FormatError&) {
    return 0;  // the writer refuses it (a bad name, a duplicate): no file to test
  }
  std::unique_ptr<ModelBundle> bundle;
  try {
    auto file = std::make_shared<formats::ModelFile>(
        formats::parse_model_file(formats::FileBytes::copy(bytes.data(), bytes.size()), "fuzz.attn"));
    bundle = std::make_unique<ModelBundle>(load_bundle(file, BindMode::kMap));
    check_finite_parameters(*bundle);
  } catch (const InputError&) {
    return 0;  // refused as bad input: exit 2, as it should be
  } catch (const formats::FormatError&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_load_fuzz: a bad file is an internal error (exit 1): %s\n", e.what());
    __builtin_trap();
  }
  // It loaded: then it must decode, whatever the source.
  std::vector<int32_t> source;
  const int64_t vocab = bundle->source.point_dims > 0 ? 0 : bundle->source.vocab.size();
  for (int i = 0; i < 4 && vocab > Vocabulary::kSpecials; ++i)
    source.push_back(static_cast<int32_t>(Vocabulary::kSpecials + i % (vocab - Vocabulary::kSpecials)));
  if (source.empty()) return 0;
  BeamOptions options;
  options.max_length = 4;
  options.beam_size = 2;
  NoGrad no_grad;
  try {
    if (bundle->model->architecture() == "classifier")
      bundle->model->step(*bundle->model->encode({source}), {bundle->model->bos_id()}, nullptr);
    else
      beam_search(*bundle->model, {source}, options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_load_fuzz: a model that loaded does not decode: %s\n", e.what());
    __builtin_trap();
  }
  return 0;
}
