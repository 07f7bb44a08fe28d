// libFuzzer target for one input line of attn-decode: whatever bytes a user pipes in, the
// line is either refused as bad input (InputError: attn-decode answers it with an empty line
// and a warning) or encoded and decoded; never a crash, a hang, a huge allocation, or an
// internal error. Lines go through the golden Transformer (word tokens) and a character-token
// model, with attn-decode's --max-input-length rule.
//
//   make fuzz FUZZ_SECONDS=600
//   build-fuzz/decode_line_fuzz -malloc_limit_mb=1024 tests/fuzz/corpus/decode_line
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/decode/beam_search.h"
#include "libattn/models/model_bundle.h"

namespace {

constexpr size_t kMaxInputLength = 1024;  // attn-decode's default --max-input-length

attn::ModelBundle& words_model() {
  static attn::ModelBundle bundle = attn::load_bundle(
      ATTN_SOURCE_DIR "/tests/data/formats/v1/reverse-tiny.attn", attn::BindMode::kMap);
  return bundle;
}

// The same model reading characters: a different tokenizer over the same vocabulary.
attn::ModelBundle& chars_model() {
  static attn::ModelBundle bundle = [] {
    attn::ModelBundle b = attn::load_bundle(
        ATTN_SOURCE_DIR "/tests/data/formats/v1/reverse-tiny.attn", attn::BindMode::kMap);
    b.source.tokenizer = attn::Tokenizer::characters();
    return b;
  }();
  return bundle;
}

void decode_line(attn::ModelBundle& bundle, std::string_view line) {
  std::vector<int32_t> ids;
  try {
    ids = bundle.source.encode(line, "fuzz:1");
  } catch (const attn::InputError&) {
    return;  // a bad line: answered with an empty line
  }
  if (ids.empty() || ids.size() > kMaxInputLength) return;
  attn::BeamOptions options;
  options.beam_size = 2;
  options.max_length = 8;
  attn::NoGrad no_grad;
  const auto results = attn::beam_search(*bundle.model, {ids}, options);
  for (const auto& hyp : results.front()) bundle.target.decode(hyp.tokens);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  try {
    decode_line(words_model(), line);
    decode_line(chars_model(), line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decode_line_fuzz: an input line is an internal error: %s\n", e.what());
    __builtin_trap();
  }
  return 0;
}
