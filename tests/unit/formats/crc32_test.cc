#include "formats/crc32.h"

#include <gtest/gtest.h>

#include <string>

namespace attn::formats {
namespace {

// The CRC-32/ISO-HDLC check value from the CRC catalogue (reveng.sourceforge.io).
TEST(Crc32, MatchesCatalogueCheckValue) {
  const std::string digits = "123456789";
  EXPECT_EQ(crc32(digits.data(), digits.size()), 0xCBF43926u);
}

TEST(Crc32, EmptyInputIsZero) { EXPECT_EQ(crc32(nullptr, 0), 0u); }

TEST(Crc32, IncrementalEqualsWhole) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  Crc32 running;
  running.update(text.data(), 10);
  running.update(text.data() + 10, text.size() - 10);
  EXPECT_EQ(running.value(), crc32(text.data(), text.size()));
  EXPECT_EQ(running.value(), 0x414FA339u);  // zlib's crc32() of the same sentence
}

}  // namespace
}  // namespace attn::formats
