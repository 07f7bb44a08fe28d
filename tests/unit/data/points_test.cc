#include "libattn/data/points.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"
#include "libattn/data/vocab.h"

namespace attn {
namespace {

TEST(PointCodec, RoundTripsCoordinatesToTheQuantizationStep) {
  for (int dims = 1; dims <= PointCodec::kMaxDims; ++dims) {
    const PointCodec codec{dims};
    const double step = 1.0 / (1 << codec.bits());
    std::string text;
    std::vector<double> values;
    for (int d = 0; d < dims; ++d) {
      values.push_back(0.123 + 0.2 * d);
      text += (d ? "," : "") + std::to_string(values.back());
    }
    const int32_t id = codec.encode(text, "t");
    EXPECT_GE(id, Vocabulary::kSpecials);
    const std::vector<float> back = codec.coordinates(id);
    ASSERT_EQ(back.size(), static_cast<size_t>(dims));
    for (int d = 0; d < dims; ++d) EXPECT_NEAR(back[d], values[d], step / 2 + 1e-7) << dims;
    // The printed piece reads back as the same id.
    EXPECT_EQ(codec.encode(codec.piece(id), "t"), id) << codec.piece(id);
  }
}

TEST(PointCodec, DecimalDataPrintsAsWritten) {
  const PointCodec codec{2};
  EXPECT_EQ(codec.piece(codec.encode("0.31,0.77", "t")), "0.31,0.77");
  EXPECT_EQ(codec.piece(codec.encode("0,0.5", "t")), "0,0.5");
  EXPECT_EQ(codec.coordinates(codec.encode("0.25,0.75", "t")), (std::vector<float>{0.25f, 0.75f}));
}

TEST(PointCodec, EndsOfTheRangeStayApartAndInsideTheIdSpace) {
  const PointCodec codec{2};
  const int32_t low = codec.encode("0,0", "t"), high = codec.encode("1,1", "t");
  EXPECT_EQ(low, Vocabulary::kSpecials);
  EXPECT_GT(high, low);
  EXPECT_LT(high, Vocabulary::kSpecials + (1 << PointCodec::kPayloadBits));
  EXPECT_EQ(codec.coordinates(Vocabulary::kPad), (std::vector<float>{0, 0}));  // padding
}

TEST(PointCodec, RejectsWhatIsNotAPointNamingTheLine) {
  const PointCodec codec{2};
  for (const char* bad : {"0.5", "0.5,0.5,0.5", "0.5;0.5", "x,0.5", "1.5,0.5", "-0.1,0.5", "0.5,",
                          "nan,0.5", "0.5,0.5abc"}) {
    try {
      codec.encode(bad, "points.tsv:7");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("points.tsv:7"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace attn
