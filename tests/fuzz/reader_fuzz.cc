// libFuzzer target for the .attn reader, the security boundary of every tool that loads a model.
//
//   make fuzz FUZZ_SECONDS=60        (builds build-fuzz and runs tests/fuzz/run.sh)
//   build-fuzz/reader_fuzz tests/fuzz/corpus/reader
//
// Each input is tried three ways: as is; with its preamble, metadata and directory CRCs
// recomputed, so mutations reach the layout, directory and Boost metadata parsers instead of
// stopping at a CRC; and as a bare metadata archive. Whatever parses is then summarised,
// tabulated and described as JSON, as attn-inspect would.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/inspect.h"
#include "formats/model_reader.h"
#include "tests/unit/formats/sample_model.h"

namespace {

void inspect_everything(const std::vector<uint8_t>& bytes, bool check_tensor_crcs) {
  using namespace attn::formats;
  ReadOptions options;
  options.check_tensor_crcs = check_tensor_crcs;
  try {
    const ModelFile file =
        parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "fuzz.attn", options);
    const std::vector<FormatError> damage = find_damage(file);
    format_summary(file, damage);
    format_tensor_table(file);
    describe_json(file, damage).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const FormatError&) {
    // Refusing the input is the expected outcome; only crashes and sanitizer reports count.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attn::formats;
  std::vector<uint8_t> bytes(data, data + size);
  inspect_everything(bytes, true);
  if (bytes.size() >= kPreambleSize) {
    testing::reseal(bytes);
    inspect_everything(bytes, false);
  }
  try {
    decode_metadata(reinterpret_cast<const char*>(data), size);
  } catch (const FormatError&) {
  }
  return 0;
}
