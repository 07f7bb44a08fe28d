#include "formats/crc32.h"

#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

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

// zlib replaced Boost's crc_32_type: every file written before must keep verifying, so the
// two give the same value on the golden files, whole and in uneven pieces, and on random
// buffers of every length around zlib's word and block boundaries.
uint32_t boost_crc(const void* data, std::size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

TEST(Crc32, SameValuesAsBoostOnTheGoldenFilesAndRandomBytes) {
  for (const char* name : {"tiny.attn", "reverse-tiny.attn"}) {
    const std::string path = std::string(ATTN_TEST_DATA) + "/formats/v1/" + name;
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 500u);
    EXPECT_EQ(crc32(bytes.data(), bytes.size()), boost_crc(bytes.data(), bytes.size())) << name;
    Crc32 pieces;
    for (std::size_t at = 0, step = 1; at < bytes.size(); at += step, step = step * 3 % 1021 + 1)
      pieces.update(bytes.data() + at, std::min(step, bytes.size() - at));
    EXPECT_EQ(pieces.value(), boost_crc(bytes.data(), bytes.size())) << name;
  }
  std::mt19937 rng(5);
  std::vector<unsigned char> buffer(70000);
  for (auto& b : buffer) b = static_cast<unsigned char>(rng());
  for (std::size_t size : {1u, 3u, 4u, 7u, 8u, 15u, 16u, 31u, 33u, 255u, 1023u, 65537u, 70000u})
    for (std::size_t offset : {0u, 1u, 3u})
      if (offset + size <= buffer.size())
        EXPECT_EQ(crc32(buffer.data() + offset, size), boost_crc(buffer.data() + offset, size))
            << size << " at " << offset;
}

}  // namespace
}  // namespace attn::formats
