// Files written by earlier builds must keep loading: tests/data/formats/v1/ holds .attn files
// frozen at format 1.0, checked here against values written out by hand, not by the writer.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "sample_model.h"

namespace attn::formats {
namespace {

const std::string kTinyPath = std::string(ATTN_TEST_DATA) + "/formats/v1/tiny.attn";

// The tiny model's contents, as the golden file was generated from them.
Metadata tiny_metadata() {
  Metadata meta;
  meta.architecture = "tiny";
  meta.naming_revision = 1;
  meta.config = {{"d_model", "2"}, {"attention", "dot"}};
  meta.vocabularies = {{"shared", {"<unk>", "<s>", "</s>", "a", "b"}}};
  meta.provenance = {"attn 0.1.0", "2024-01-01T00:00:00Z", 10, 1, 0.5, "accuracy", "none"};
  return meta;
}

const float kEmbed[10] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 3.5f};
const float kBias[5] = {0.125f, -0.25f, 1e-7f, 65504.0f, -3.0e38f};
const int32_t kIndex[3] = {1, -2, 2147483647};

TEST(GoldenV1, TinyLoadsWithExactValues) {
  const ModelFile model = read_model_file(kTinyPath);
  EXPECT_EQ(model.version().major, 1);
  EXPECT_EQ(model.version().minor, 0);
  EXPECT_EQ(model.kind(), FileKind::kModel);
  EXPECT_EQ(model.metadata(), tiny_metadata());
  ASSERT_EQ(model.tensors().size(), 3u);

  const TensorEntry& embed = model.tensors()[0];
  EXPECT_EQ(embed.name, "embed.weight");
  EXPECT_EQ(embed.shape, (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(std::memcmp(embed.data, kEmbed, sizeof(kEmbed)), 0);
  const TensorEntry& bias = model.tensors()[1];
  EXPECT_EQ(bias.name, "out.bias");
  EXPECT_EQ(bias.shape, (std::vector<int64_t>{5}));
  EXPECT_EQ(std::memcmp(bias.data, kBias, sizeof(kBias)), 0);
  const TensorEntry& index = model.tensors()[2];
  EXPECT_EQ(index.name, "out.index");
  EXPECT_EQ(index.dtype, FileDType::kI32);
  EXPECT_EQ(std::memcmp(index.data, kIndex, sizeof(kIndex)), 0);
  EXPECT_TRUE(find_damage(model).empty());
}

// Writes the golden file and the reader fuzzer's seed corpus. Run from the source root only when
// the format changes on purpose (a new golden directory per version, old ones kept):
//   build/attn_unit_tests --gtest_also_run_disabled_tests --gtest_filter='GoldenV1.DISABLED_*'
TEST(GoldenV1, DISABLED_RegenerateGoldenAndFuzzSeeds) {
  const std::string root = std::string(ATTN_TEST_DATA) + "/..";
  write_model_file(kTinyPath, FileKind::kModel, tiny_metadata(),
                   {{"embed.weight", FileDType::kF32, {5, 2}, kEmbed},
                    {"out.bias", FileDType::kF32, {5}, kBias},
                    {"out.index", FileDType::kI32, {3}, kIndex}});
  const std::string corpus = root + "/fuzz/corpus/reader/";
  write_model_file(corpus + "tiny.attn", FileKind::kModel, tiny_metadata(),
                   {{"out.bias", FileDType::kF32, {5}, kBias}});
  const testing::SampleModel sample;
  write_model_file(corpus + "checkpoint.attn", FileKind::kCheckpoint, sample.metadata,
                   sample.tensors());
  write_model_file(corpus + "empty.attn", FileKind::kModel, Metadata{}, {});
}

// Format 1.1: tests/data/formats/v1_1/tiny-int8.attn, an i8 matrix with its scales beside
// an f32 vector, frozen like v1/ (its README).
const std::string kTinyInt8Path = std::string(ATTN_TEST_DATA) + "/formats/v1_1/tiny-int8.attn";
const int8_t kProjI8[6] = {127, -127, 0, 1, -1, 64};
const float kProjScale[3] = {0.5f, 0.0f, 0.001953125f};

TEST(GoldenV1_1, TinyInt8LoadsWithExactValues) {
  const ModelFile model = read_model_file(kTinyInt8Path);
  EXPECT_EQ(model.version().major, 1);
  EXPECT_EQ(model.version().minor, 1);
  EXPECT_EQ(model.metadata(), tiny_metadata());
  ASSERT_EQ(model.tensors().size(), 3u);
  const TensorEntry& proj = model.tensors()[1];
  EXPECT_EQ(proj.name, "out.proj");
  EXPECT_EQ(proj.dtype, FileDType::kI8);
  EXPECT_EQ(proj.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(proj.byte_size, 6u);
  EXPECT_EQ(std::memcmp(proj.data, kProjI8, sizeof(kProjI8)), 0);
  const TensorEntry& scale = model.tensors()[2];
  EXPECT_EQ(scale.name, int8_scale_name("out.proj"));
  EXPECT_EQ(scale.name, "out.proj:scale");
  EXPECT_EQ(scale.dtype, FileDType::kF32);
  EXPECT_EQ(std::memcmp(scale.data, kProjScale, sizeof(kProjScale)), 0);
  EXPECT_TRUE(find_damage(model).empty());
}

// As above, for format 1.1 (creates v1_1/ once; never rerun on a frozen file):
//   build/attn_unit_tests --gtest_also_run_disabled_tests --gtest_filter='GoldenV1_1.DISABLED_*'
TEST(GoldenV1_1, DISABLED_RegenerateGoldenAndFuzzSeed) {
  const std::string root = std::string(ATTN_TEST_DATA) + "/..";
  const std::vector<TensorToWrite> tensors = {{"out.bias", FileDType::kF32, {5}, kBias},
                                              {"out.proj", FileDType::kI8, {3, 2}, kProjI8},
                                              {"out.proj:scale", FileDType::kF32, {3}, kProjScale}};
  write_model_file(kTinyInt8Path, FileKind::kModel, tiny_metadata(), tensors);
  write_model_file(root + "/fuzz/corpus/reader/tiny-int8.attn", FileKind::kModel, tiny_metadata(),
                   tensors);
}

}  // namespace
}  // namespace attn::formats
