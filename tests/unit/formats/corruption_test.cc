// The reader is a security boundary: every damaged or hostile file below must be refused with
// the error that names its problem, and none may crash (these also run under ASan/UBSan).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "sample_model.h"

namespace attn::formats {
namespace {

using testing::reseal;
using testing::SampleModel;
using testing::section_offset;
using testing::section_size;

std::vector<uint8_t> sample_bytes() {
  const SampleModel sample;
  return encode_model_file(FileKind::kCheckpoint, sample.metadata, sample.tensors());
}

// The sample with an int8 matrix and its scales (format 1.1).
std::vector<uint8_t> int8_sample_bytes() {
  const SampleModel sample;
  return encode_model_file(FileKind::kModel, sample.metadata, sample.int8_tensors());
}

// The error reading bytes raises; fails the test when they are accepted.
FormatError parse_error(const std::vector<uint8_t>& bytes) {
  try {
    parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "model.attn");
  } catch (const FormatError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted a damaged file";
  return FormatError(FormatErrorKind::kIo, "", 0, "accepted");
}

// Offset of tensor i's directory entry.
uint64_t entry_offset(const std::vector<uint8_t>& bytes, int index) {
  uint64_t at = section_offset(bytes, Section::kDirectory) + kDirectoryHeaderSize;
  for (int i = 0; i < index; ++i) {
    const uint32_t name_length = load_u32(bytes.data() + at);
    const uint32_t rank = load_u32(bytes.data() + at + 8);
    at += align_up(kEntryFixedSize + 8 * rank + name_length, 8);
  }
  return at;
}

TEST(Corruption, SampleIsSound) {
  const std::vector<uint8_t> bytes = sample_bytes();
  EXPECT_NO_THROW(parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "m"));
}

void expect_every_truncation_refused(const std::vector<uint8_t>& bytes) {
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + size);
    const FormatError e = parse_error(cut);
    EXPECT_EQ(e.kind(), FormatErrorKind::kTruncated) << e.what();
    EXPECT_EQ(e.offset(), size);
  }
}

TEST(Corruption, EveryTruncationIsRefusedAsTruncated) {
  const std::vector<uint8_t> bytes = sample_bytes();
  expect_every_truncation_refused(bytes);
  const FormatError e = parse_error({bytes.begin(), bytes.begin() + 300});
  EXPECT_EQ(std::string(e.what()), fmt::format("model.attn: byte 300: truncated (expected {} "
                                               "bytes, found 300 bytes)",
                                               bytes.size()));
}

TEST(Corruption, TrailingBytesAreRefused) {
  std::vector<uint8_t> bytes = sample_bytes();
  const uint64_t size = bytes.size();
  bytes.push_back(0);
  const FormatError e = parse_error(bytes);
  EXPECT_EQ(e.kind(), FormatErrorKind::kTrailingBytes);
  EXPECT_EQ(e.offset(), size);
}

bool in_padding_between_sections(const std::vector<uint8_t>& bytes, uint64_t at) {
  const Section order[] = {Section::kMetadata, Section::kDirectory, Section::kData};
  uint64_t end = kPreambleSize;
  for (Section s : order) {
    if (at >= end && at < section_offset(bytes, s)) return true;
    end = section_offset(bytes, s) + section_size(bytes, s);
  }
  return false;
}

// Which error a one-bit flip at byte `at` must raise: the fields read before the preamble CRC
// have their own errors, everything else is caught by the CRC covering it.
void expect_flip_refused(const std::vector<uint8_t>& bytes, uint64_t at, int bit) {
  std::vector<uint8_t> flipped = bytes;
  flipped[at] ^= static_cast<uint8_t>(1 << bit);
  const FormatError e = parse_error(flipped);
  const std::string where = fmt::format("byte {} bit {}: {}", at, bit, e.what());
  const uint64_t data = section_offset(bytes, Section::kData);
  if (at < kMajorOffset) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kBadMagic) << where;
  } else if (at < kEndianOffset && at >= kMinorOffset) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kChecksum) << where;  // a newer minor is still read
  } else if (at < kEndianOffset) {
    EXPECT_TRUE(e.kind() == FormatErrorKind::kNewerVersion ||
                e.kind() == FormatErrorKind::kBadVersion)
        << where;
  } else if (at < kKindOffset) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kBadMagic) << where;
  } else if (in_padding_between_sections(bytes, at)) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kBadLayout) << where;
  } else if (at >= data) {
    // Tensor bytes fail their tensor's CRC; padding bytes fail the zero-padding rule.
    EXPECT_TRUE(e.kind() == FormatErrorKind::kChecksum || e.kind() == FormatErrorKind::kBadLayout)
        << where;
  } else {
    EXPECT_EQ(e.kind(), FormatErrorKind::kChecksum) << where;
  }
}

TEST(Corruption, EveryBitFlipIsRefused) {
  const std::vector<uint8_t> bytes = sample_bytes();
  for (uint64_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) expect_flip_refused(bytes, at, bit);
  }
}

// An int8 file (format 1.1) is as well guarded as an f32 one.
TEST(Corruption, Int8FileIsSoundAndEveryTruncationAndBitFlipIsRefused) {
  const std::vector<uint8_t> bytes = int8_sample_bytes();
  const ModelFile model = parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "m");
  EXPECT_EQ(model.version().minor, 1);
  EXPECT_EQ(model.tensor("enc.0.w").dtype, FileDType::kI8);
  EXPECT_EQ(model.tensor("enc.0.w").byte_size, 6u);
  EXPECT_EQ(model.tensor("enc.0.w:scale").dtype, FileDType::kF32);
  expect_every_truncation_refused(bytes);
  for (uint64_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) expect_flip_refused(bytes, at, bit);
  }
}

// An i8 tensor in a file that says 1.0 is refused, naming the format that has it.
TEST(Corruption, Int8InAFormat10FileIsRefused) {
  std::vector<uint8_t> bytes = int8_sample_bytes();
  store_u16(bytes.data() + kMinorOffset, 0);
  reseal(bytes);
  const FormatError e = parse_error(bytes);
  EXPECT_EQ(e.kind(), FormatErrorKind::kBadTensor);
  EXPECT_NE(std::string(e.what()).find("tensor 'enc.0.w' is i8, which format 1.0 does not have"),
            std::string::npos)
      << e.what();
}

// A dtype from a later revision is refused with both revisions named.
TEST(Corruption, UnknownDtypeNamesTheRevisions) {
  std::vector<uint8_t> bytes = int8_sample_bytes();
  store_u16(bytes.data() + kMinorOffset, 2);
  store_u32(bytes.data() + entry_offset(bytes, 1) + 4, 3);
  reseal(bytes);
  const FormatError e = parse_error(bytes);
  EXPECT_EQ(e.kind(), FormatErrorKind::kBadTensor);
  EXPECT_NE(std::string(e.what()).find("unknown dtype (file format 1.2; this build reads dtypes "
                                       "up to format 1.1)"),
            std::string::npos)
      << e.what();
}

TEST(Corruption, FlipsNameTheSectionOrTensor) {
  const std::vector<uint8_t> bytes = sample_bytes();
  const auto flip_message = [&](uint64_t at) {
    std::vector<uint8_t> flipped = bytes;
    flipped[at] ^= 4;
    return std::string(parse_error(flipped).what());
  };
  EXPECT_NE(flip_message(40).find("byte 0: preamble CRC mismatch (expected 0x"), std::string::npos);
  const uint64_t meta = section_offset(bytes, Section::kMetadata);
  EXPECT_NE(flip_message(meta + 20).find(fmt::format("byte {}: metadata section CRC", meta)),
            std::string::npos);
  const uint64_t dir = section_offset(bytes, Section::kDirectory);
  EXPECT_NE(flip_message(dir + 9).find(fmt::format("byte {}: directory section CRC", dir)),
            std::string::npos);
  const ModelFile model = parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "m");
  const uint64_t w = model.tensor("enc.0.w").offset;
  EXPECT_NE(flip_message(w + 5).find(fmt::format("byte {}: tensor 'enc.0.w' CRC mismatch", w)),
            std::string::npos);
}

TEST(Corruption, DamageIsFoundWhenTensorCrcsAreSkippedOnLoad) {
  std::vector<uint8_t> bytes = sample_bytes();
  const ModelFile sound = parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "m");
  bytes[sound.tensor("enc.0.w").offset] ^= 1;
  bytes[sound.tensor("opt.steps").offset + 3] ^= 1;
  ReadOptions fast;
  fast.check_tensor_crcs = false;
  const ModelFile model = parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "m", fast);
  const std::vector<FormatError> damage = find_damage(model);
  ASSERT_EQ(damage.size(), 3u);  // two tensors and the data section
  EXPECT_NE(std::string(damage[0].what()).find("'enc.0.w' CRC"), std::string::npos);
  EXPECT_NE(std::string(damage[1].what()).find("'opt.steps' CRC"), std::string::npos);
  EXPECT_NE(std::string(damage[2].what()).find("data section CRC"), std::string::npos);
}

TEST(Corruption, TextModeTransfersAreNamed) {
  std::vector<uint8_t> bytes = sample_bytes();
  std::vector<uint8_t> lf = bytes;
  lf.erase(lf.begin() + 4);  // CR LF -> LF
  EXPECT_NE(std::string(parse_error(lf).what()).find("CR LF into LF"), std::string::npos);
  std::vector<uint8_t> seven_bit = bytes;
  seven_bit[0] &= 0x7f;
  EXPECT_NE(std::string(parse_error(seven_bit).what()).find("7-bit"), std::string::npos);
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(parse_error(text).kind(), FormatErrorKind::kBadMagic);
}

TEST(Corruption, ByteSwappedFileIsNamed) {
  std::vector<uint8_t> bytes = sample_bytes();
  store_u32(bytes.data() + kEndianOffset, kEndianTagSwapped);
  EXPECT_EQ(parse_error(bytes).kind(), FormatErrorKind::kByteSwapped);
}

TEST(Corruption, NewerMajorIsRefusedWithAClearMessage) {
  std::vector<uint8_t> bytes = sample_bytes();
  store_u16(bytes.data() + kMajorOffset, 2);
  const FormatError e = parse_error(bytes);
  EXPECT_EQ(e.kind(), FormatErrorKind::kNewerVersion);
  EXPECT_EQ(std::string(e.what()),
            "model.attn: byte 8: written by a newer attn (format 2.x); this build reads 1.x");
}

TEST(Corruption, NewerMinorIsStillRead) {
  std::vector<uint8_t> bytes = sample_bytes();
  store_u16(bytes.data() + kMinorOffset, 9);
  reseal(bytes);
  const ModelFile model = parse_model_file(FileBytes::copy(bytes.data(), bytes.size()), "m");
  EXPECT_EQ(model.version().minor, 9);
}

TEST(Corruption, NewerArchiveVersionIsRefused) {
  std::vector<uint8_t> bytes = sample_bytes();
  store_u32(bytes.data() + section_offset(bytes, Section::kMetadata), 1000);
  reseal(bytes);
  const FormatError e = parse_error(bytes);
  EXPECT_EQ(e.kind(), FormatErrorKind::kNewerVersion);
  EXPECT_NE(std::string(e.what()).find("Boost archive version 1000"), std::string::npos);
}

// The semantic checks behind the CRCs, each reached by editing a field and resealing: what a
// crafted (not merely damaged) file runs into.
FormatError edited_error(void (*edit)(std::vector<uint8_t>&)) {
  std::vector<uint8_t> bytes = sample_bytes();
  edit(bytes);
  reseal(bytes);
  return parse_error(bytes);
}

TEST(Corruption, CraftedDirectoriesAreRefused) {
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // "scale" -> "empty", same length
              const uint64_t e3 = entry_offset(b, 3);
              std::memcpy(b.data() + e3 + kEntryFixedSize, "empty", 5);
            })
                .kind(),
            FormatErrorKind::kDuplicateName);
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u32(b.data() + entry_offset(b, 1) + 4, 9);
            }).kind(),
            FormatErrorKind::kBadTensor);  // unknown dtype
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u32(b.data() + entry_offset(b, 1) + 8, 9);
            }).kind(),
            FormatErrorKind::kLimit);  // rank 9
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u32(b.data() + entry_offset(b, 1), 100000);
            }).kind(),
            FormatErrorKind::kLimit);  // name length
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u64(b.data() + entry_offset(b, 1) + 16, 0);
            }).kind(),
            FormatErrorKind::kBadLayout);  // overlaps the first tensor
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u64(b.data() + entry_offset(b, 1) + 16, 1ull << 62);
            }).kind(),
            FormatErrorKind::kBadLayout);  // out of range
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u64(b.data() + entry_offset(b, 1) + 24, 28);
            }).kind(),
            FormatErrorKind::kBadTensor);               // byte size disagrees with shape
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // dims whose product overflows
              const uint64_t e = entry_offset(b, 0) + kEntryFixedSize;
              store_u64(b.data() + e, 1ull << 40);
              store_u64(b.data() + e + 8, 1ull << 40);
            })
                .kind(),
            FormatErrorKind::kBadTensor);
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // huge dims, byte size to match
              const uint64_t e = entry_offset(b, 0);
              store_u64(b.data() + e + kEntryFixedSize, 1ull << 29);
              store_u64(b.data() + e + 24, (1ull << 29) * 3 * 4);
            })
                .kind(),
            FormatErrorKind::kBadLayout);  // runs past the data section
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u32(b.data() + section_offset(b, Section::kDirectory), 0xffffffffu);
            }).kind(),
            FormatErrorKind::kLimit);  // tensor count
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u32(b.data() + section_offset(b, Section::kDirectory), 1000);
            }).kind(),
            FormatErrorKind::kBadLayout);  // count larger than the directory can hold
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              b[entry_offset(b, 1) + kEntryFixedSize + 16] = '\n';  // inside "enc.0.w"
            }).kind(),
            FormatErrorKind::kBadTensor);
}

TEST(Corruption, CraftedPreamblesAreRefused) {
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {
              store_u32(b.data() + kAlignmentOffset, 48);
            }).kind(),
            FormatErrorKind::kBadLayout);
  EXPECT_EQ(
      edited_error([](std::vector<uint8_t>& b) { store_u32(b.data() + kKindOffset, 3); }).kind(),
      FormatErrorKind::kBadLayout);
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // data section starts inside directory
              store_u64(b.data() + kSectionTableOffset + 2 * kSectionEntrySize,
                        section_offset(b, Section::kData) - 64);
            })
                .kind(),
            FormatErrorKind::kBadLayout);
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // a section larger than the file
              store_u64(b.data() + kSectionTableOffset + 8, 1ull << 63);
            })
                .kind(),
            FormatErrorKind::kBadLayout);
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // metadata length claims 4 GiB
              store_u64(b.data() + section_offset(b, Section::kMetadata) + 8, 1ull << 32);
            })
                .kind(),
            FormatErrorKind::kBadLayout);
  EXPECT_EQ(edited_error([](std::vector<uint8_t>& b) {  // archive text replaced with junk
              const uint64_t at = section_offset(b, Section::kMetadata) + kMetadataHeaderSize;
              std::memset(b.data() + at, 'x', 30);
            })
                .kind(),
            FormatErrorKind::kBadMetadata);
}

}  // namespace
}  // namespace attn::formats
