#include "formats/metadata.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "formats/format_error.h"
#include "sample_model.h"

namespace attn::formats {
namespace {

using testing::SampleModel;

Metadata round_trip(const Metadata& meta) {
  const std::string text = encode_metadata(meta);
  return decode_metadata(text.data(), text.size());
}

FormatErrorKind decode_error_kind(const std::string& text) {
  try {
    decode_metadata(text.data(), text.size());
  } catch (const FormatError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "decoded: " << text;
  return FormatErrorKind::kIo;
}

TEST(Metadata, RoundTripsEveryField) {
  const SampleModel sample;
  EXPECT_EQ(round_trip(sample.metadata), sample.metadata);
  EXPECT_EQ(round_trip(Metadata{}), Metadata{});
}

TEST(Metadata, SentencePieceBytesTravelAsHexText) {
  Metadata meta;
  for (int b = 0; b < 256; ++b) meta.sentencepiece_model += static_cast<char>(b);
  const std::string text = encode_metadata(meta);
  EXPECT_NE(text.find("000102030405"), std::string::npos);
  EXPECT_EQ(round_trip(meta).sentencepiece_model, meta.sentencepiece_model);
}

TEST(Metadata, DoublesRoundTripExactlyIncludingNanAndInfinity) {
  Metadata meta;
  meta.training.optimizer.settings = {{"tiny", 4.9406564584124654e-324},
                                      {"third", 1.0 / 3.0},
                                      {"inf", std::numeric_limits<double>::infinity()},
                                      {"ninf", -std::numeric_limits<double>::infinity()}};
  meta.provenance.best_valid_score = std::nan("");
  const Metadata back = round_trip(meta);
  EXPECT_EQ(back.training.optimizer.settings, meta.training.optimizer.settings);
  EXPECT_TRUE(std::isnan(back.provenance.best_valid_score));
}

TEST(Metadata, RefusesNewerClassVersion) {
  std::string text = encode_metadata(Metadata{});
  // The top-level object's header is "<tracking> <version>" right after the archive signature.
  const std::string header = "serialization::archive ";
  const std::size_t at = text.find(header) + header.size();
  const std::size_t version_at = text.find(' ', at) + 1;  // skip the library version
  ASSERT_EQ(text.substr(version_at, 4), "0 0 ");
  text.replace(version_at, 4, "0 7 ");
  EXPECT_EQ(decode_error_kind(text), FormatErrorKind::kNewerVersion);
}

TEST(Metadata, RefusesCountsLargerThanTheBytesLeft) {
  const std::string prefix = "22 serialization::archive 18 0 0 11 transformer 0 0 0 ";
  EXPECT_EQ(decode_error_kind(prefix + "1000000000000 0 0 0"), FormatErrorKind::kBadMetadata);
  EXPECT_EQ(decode_error_kind("22 serialization::archive 18 0 0 99999999999999 x"),
            FormatErrorKind::kBadMetadata);
}

TEST(Metadata, RefusesBadHex) {
  Metadata meta;
  meta.sentencepiece_model = "ab";
  std::string text = encode_metadata(meta);
  const std::size_t at = text.find(" 4 6162 ");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 8, " 4 61g2 ");
  EXPECT_EQ(decode_error_kind(text), FormatErrorKind::kBadMetadata);
}

TEST(Metadata, EveryPrefixIsRefusedWithoutCrashing) {
  const std::string text = encode_metadata(SampleModel().metadata);
  for (std::size_t size = 0; size + 1 < text.size(); ++size) {
    // The last field is a number, so only a prefix that cuts it short can still parse.
    try {
      const Metadata meta = decode_metadata(text.data(), size);
      EXPECT_NE(meta, SampleModel().metadata) << "prefix " << size;
    } catch (const FormatError& e) {
      EXPECT_EQ(e.kind(), FormatErrorKind::kBadMetadata) << e.what();
    }
  }
}

}  // namespace
}  // namespace attn::formats
