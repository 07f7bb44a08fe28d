// A small, fully populated model shared by the formats tests: every metadata field set, tensors
// of both dtypes, a scalar, an empty tensor and sizes that need padding.
//
//   SampleModel sample;
//   std::vector<uint8_t> bytes = encode_model_file(FileKind::kCheckpoint, sample.metadata,
//                                                  sample.tensors());
//   reseal(bytes);   // after editing a field: recompute every CRC so only the edit is wrong
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/crc32.h"
#include "formats/layout.h"
#include "formats/metadata.h"
#include "formats/model_writer.h"

namespace attn::formats::testing {

struct SampleModel {
  Metadata metadata;
  std::vector<float> embedding;  // [5, 3]
  std::vector<float> weight;     // [3, 2]
  std::vector<int32_t> steps;    // [7]
  std::vector<int8_t> weight_i8 = {127, -127, 0, 5, -1, 64};  // [3, 2] (int8_tensors)
  std::vector<float> weight_scale = {0.5f, 0.0f, 1e-3f};     // [3]
  float scale = 0.5f;            // []

  SampleModel() {
    metadata.architecture = "transformer";
    metadata.naming_revision = 2;
    metadata.config = {{"d_model", "3"}, {"heads", "1"}, {"attention", "scaled_dot"}};
    metadata.vocabularies = {{"source", {"<unk>", "<s>", "</s>", "hello", "world"}},
                             {"target", {"<unk>", "<s>", "</s>", "hallo", "welt", "a b\nc"}}};
    metadata.sentencepiece_model = std::string("\x0a\x00\xff\x7f spm", 8);
    metadata.provenance = {"attn 0.1.0", "2024-05-01T12:00:00Z", 1200, 3, 0.125, "bleu",
                           "sha256:abc"};
    metadata.training.optimizer = {"adam", {{"lr", 3e-4}, {"beta1", 0.9}, {"beta2", 0.999}}};
    metadata.training.rng_state = {1, 0xffffffffffffffffull, 42};
    metadata.training.data_position = {3, 17, 1234};
    metadata.training.run_options = {{"train", "data/train.tsv"}, {"valid-every", "200"}};
    for (int i = 0; i < 15; ++i) embedding.push_back(0.25f * static_cast<float>(i) - 1.0f);
    weight = {1.5f, -2.0f, 3.25f, 0.0f, -0.0f, 1e-30f};
    steps = {0, 1, -1, 2147483647, -2147483647 - 1, 7, 8};
  }

  std::vector<TensorToWrite> tensors() const {
    return {{"embed.source", FileDType::kF32, {5, 3}, embedding.data()},
            {"enc.0.w", FileDType::kF32, {3, 2}, weight.data()},
            {"opt.steps", FileDType::kI32, {7}, steps.data()},
            {"scale", FileDType::kF32, {}, &scale},
            {"empty", FileDType::kF32, {0, 4}, nullptr}};
  }

  // enc.0.w stored as int8 with its scales (format 1.1).
  std::vector<TensorToWrite> int8_tensors() const {
    return {{"embed.source", FileDType::kF32, {5, 3}, embedding.data()},
            {"enc.0.w", FileDType::kI8, {3, 2}, weight_i8.data()},
            {"enc.0.w:scale", FileDType::kF32, {3}, weight_scale.data()},
            {"scale", FileDType::kF32, {}, &scale}};
  }
};

// Recomputes the metadata, directory and preamble CRCs of an encoded file in place (a section
// whose edited bounds leave the file keeps its old CRC).
inline void reseal(std::vector<uint8_t>& bytes) {
  for (uint32_t s = 0; s < 2; ++s) {
    uint8_t* entry = bytes.data() + kSectionTableOffset + s * kSectionEntrySize;
    const uint64_t offset = load_u64(entry);
    const uint64_t size = load_u64(entry + 8);
    if (offset <= bytes.size() && size <= bytes.size() - offset) {
      store_u32(entry + 16, crc32(bytes.data() + offset, size));
    }
  }
  store_u32(bytes.data() + kPreambleCrcOffset, crc32(bytes.data(), kPreambleCrcOffset));
}

inline uint64_t section_offset(const std::vector<uint8_t>& bytes, Section section) {
  return load_u64(bytes.data() + kSectionTableOffset +
                  static_cast<uint32_t>(section) * kSectionEntrySize);
}

inline uint64_t section_size(const std::vector<uint8_t>& bytes, Section section) {
  return load_u64(bytes.data() + kSectionTableOffset +
                  static_cast<uint32_t>(section) * kSectionEntrySize + 8);
}

}  // namespace attn::formats::testing
