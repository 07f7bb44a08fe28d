#include "formats/inspect.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sample_model.h"

namespace attn::formats {
namespace {

TensorEntry f32_entry(const std::vector<float>& values) {
  TensorEntry t;
  t.name = "t";
  t.dtype = FileDType::kF32;
  t.shape = {static_cast<int64_t>(values.size())};
  t.element_count = values.size();
  t.byte_size = values.size() * 4;
  t.data = values.data();
  return t;
}

TEST(Inspect, StatsMatchHandComputedValues) {
  // Finite values 1, 2, 3, 6: mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values = {1, std::nanf(""), 2, inf, 3, -inf, 6};
  const TensorStats s = compute_stats(f32_entry(values));
  EXPECT_EQ(s.count, 7u);
  EXPECT_EQ(s.nan_count, 1u);
  EXPECT_EQ(s.inf_count, 2u);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(3.5));
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 6.0);
}

TEST(Inspect, StatsOfNoFiniteValuesAreNan) {
  const std::vector<float> values = {std::nanf("")};
  EXPECT_TRUE(std::isnan(compute_stats(f32_entry(values)).mean));
  EXPECT_TRUE(std::isnan(compute_stats(f32_entry({})).max));
}

TEST(Inspect, StatsStayAccurateWithALargeMean) {
  // A naive sum-of-squares variance loses every digit here; Welford keeps them.
  std::vector<float> values;
  for (int i = 0; i < 1000; ++i) values.push_back(1e6f + static_cast<float>(i % 2));
  EXPECT_NEAR(compute_stats(f32_entry(values)).std, 0.5, 1e-9);
}

TEST(Inspect, GroupsByPrefixBeforeTheFirstDot) {
  std::vector<TensorEntry> tensors(4);
  const char* names[] = {"enc.0.w", "dec.w", "enc.1.w", "scale"};
  for (int i = 0; i < 4; ++i) {
    tensors[i].name = names[i];
    tensors[i].element_count = 10 * (i + 1);
    tensors[i].byte_size = 40 * (i + 1);
  }
  const std::vector<ParameterGroup> groups = parameter_groups(tensors);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].name, "enc");
  EXPECT_EQ(groups[0].tensors, 2u);
  EXPECT_EQ(groups[0].parameters, 40u);
  EXPECT_EQ(groups[1].name, "dec");
  EXPECT_EQ(groups[2].name, "scale");
  EXPECT_EQ(groups[2].bytes, 160u);
}

TEST(Inspect, EscapesControlBytes) {
  EXPECT_EQ(escape_text("a\nb\x1b[2J\\"), "a\\nb\\x1b[2J\\\\");
  EXPECT_EQ(escape_text("grüße"), "grüße");
}

TEST(Inspect, SummaryAndJsonDescribeTheSample) {
  const testing::SampleModel sample;
  const std::vector<uint8_t> bytes =
      encode_model_file(FileKind::kCheckpoint, sample.metadata, sample.tensors());
  const ModelFile file = parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "s.attn");
  const std::string summary = format_summary(file, {});
  EXPECT_NE(summary.find("checkpoint"), std::string::npos);
  EXPECT_NE(summary.find("target: 6 tokens"), std::string::npos);
  EXPECT_NE(summary.find("a b\\nc"), std::string::npos);
  EXPECT_NE(summary.find("all OK"), std::string::npos);
  const nlohmann::json j = describe_json(file, {});
  EXPECT_EQ(j["total_parameters"], 29);
  EXPECT_EQ(j["tensors"][1]["shape"], (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(j["training"]["data_position"]["batch_index"], 17);
  EXPECT_EQ(j["checksums"]["ok"], true);
  const std::string table = format_tensor_table(file);
  EXPECT_NE(table.find("opt.steps"), std::string::npos);
}

}  // namespace
}  // namespace attn::formats
