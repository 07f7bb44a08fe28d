// The safetensors and npz writers against layouts written out by hand from the published
// specs (safetensors' README, PKWARE's APPNOTE, numpy's NEP 1), and the JSON text both use.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "formats/crc32.h"
#include "formats/export_common.h"
#include "formats/format_error.h"
#include "formats/layout.h"
#include "formats/npz_writer.h"
#include "formats/safetensors_writer.h"

namespace attn::formats {
namespace {

const float kMatrix[6] = {1.0f, -2.0f, 0.5f, 3.25f, -0.125f, 1e-3f};
const int32_t kIndex[2] = {7, -1};
const float kScalar = 42.0f;

std::vector<TensorToWrite> sample_tensors() {
  return {{"fc.weight", FileDType::kF32, {2, 3}, kMatrix},
          {"index", FileDType::kI32, {2}, kIndex},
          {"scale", FileDType::kF32, {}, &kScalar}};
}

std::string text_of(const std::vector<uint8_t>& bytes, std::size_t begin, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(bytes.data()) + begin, size);
}

void expect_invalid(const std::function<void()>& write, FormatErrorKind kind,
                    const std::string& message_part) {
  try {
    write();
    ADD_FAILURE() << "accepted; expected an error with '" << message_part << "'";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
  }
}

TEST(JsonText, QuotesAsciiAndEscapesEverythingElse) {
  EXPECT_EQ(json_quote("plain text 1.0"), "\"plain text 1.0\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote(std::string("tab\tnul") + '\0'), "\"tab\\u0009nul\\u0000\"");
  EXPECT_EQ(json_quote("\x7f"), "\"\\u007f\"");
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\\u00e9\"");           // U+00E9, 2 bytes
  EXPECT_EQ(json_quote("\xe2\x82\xac"), "\"\\u20ac\"");             // U+20AC, 3 bytes
  EXPECT_EQ(json_quote("\xf0\x9f\x98\x80"), "\"\\ud83d\\ude00\"");  // U+1F600: a pair
  EXPECT_EQ(json_object({{"b", "2"}, {"a", "x\"y"}}), "{\"a\":\"x\\\"y\",\"b\":\"2\"}");
  EXPECT_EQ(json_object({}), "{}");
}

TEST(JsonText, RefusesTextThatIsNotUtf8) {
  for (const char* bad : {"\x80", "a\xc3", "\xc0\x80", "\xe0\x80\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xff", "\xe2\x82"}) {
    expect_invalid([&] { json_quote(bad); }, FormatErrorKind::kInvalidArgument, "UTF-8");
  }
}

TEST(SafetensorsWriter, WritesTheSpecifiedLayout) {
  const std::vector<uint8_t> bytes = encode_safetensors(sample_tensors(), {{"d_model", "16"}});
  const std::string header =
      "{\"__metadata__\":{\"d_model\":\"16\"},"
      "\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      "\"index\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[24,32]},"
      "\"scale\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[32,36]}}";
  const uint64_t padded = (header.size() + 7) / 8 * 8;
  ASSERT_EQ(bytes.size(), 8 + padded + 36);
  EXPECT_EQ(load_u64(bytes.data()), padded);
  EXPECT_EQ(text_of(bytes, 8, header.size()), header);
  EXPECT_EQ(text_of(bytes, 8 + header.size(), padded - header.size()),
            std::string(padded - header.size(), ' '));
  const uint8_t* data = bytes.data() + 8 + padded;
  EXPECT_EQ(std::memcmp(data, kMatrix, 24), 0);
  EXPECT_EQ(std::memcmp(data + 24, kIndex, 8), 0);
  EXPECT_EQ(std::memcmp(data + 32, &kScalar, 4), 0);
}

TEST(SafetensorsWriter, RefusesWhatTheFormatCannotHold) {
  const auto write = [](std::vector<TensorToWrite> tensors, std::map<std::string, std::string> m) {
    return [=] { encode_safetensors(tensors, m); };
  };
  const float x = 1;
  expect_invalid(write({{"__metadata__", FileDType::kF32, {}, &x}}, {}),
                 FormatErrorKind::kInvalidArgument, "reserved");
  expect_invalid(write({{"a", FileDType::kF32, {}, &x}, {"a", FileDType::kF32, {}, &x}}, {}),
                 FormatErrorKind::kInvalidArgument, "twice");
  expect_invalid(write({{"a b", FileDType::kF32, {}, &x}}, {}), FormatErrorKind::kInvalidArgument,
                 "a b");
  expect_invalid(write({{"a", FileDType::kF32, {-1}, &x}}, {}), FormatErrorKind::kInvalidArgument,
                 "dimension -1");
  expect_invalid(write({{"a", FileDType::kF32, {4}, nullptr}}, {}),
                 FormatErrorKind::kInvalidArgument, "no data");
  expect_invalid(write({}, {{"k", "\xff"}}), FormatErrorKind::kInvalidArgument, "UTF-8");
}

// One entry of a zip archive as its local header describes it.
struct ZipEntry {
  std::string name;
  uint32_t crc;
  std::string data;
};

// Reads a stored-only zip by its central directory, checking each local header agrees.
std::vector<ZipEntry> read_zip(const std::vector<uint8_t>& zip) {
  const uint8_t* end = zip.data() + zip.size() - 22;
  EXPECT_EQ(load_u32(end), 0x06054b50u);
  const uint16_t count = load_u16(end + 10);
  EXPECT_EQ(load_u16(end + 8), count);
  const uint32_t directory_size = load_u32(end + 12);
  const uint32_t directory_offset = load_u32(end + 16);
  EXPECT_EQ(directory_offset + directory_size, zip.size() - 22);
  std::vector<ZipEntry> entries;
  const uint8_t* central = zip.data() + directory_offset;
  for (uint16_t i = 0; i < count; ++i) {
    EXPECT_EQ(load_u32(central), 0x02014b50u);
    EXPECT_EQ(load_u16(central + 10), 0);  // stored
    const uint32_t crc = load_u32(central + 16);
    const uint32_t size = load_u32(central + 20);
    EXPECT_EQ(load_u32(central + 24), size);
    const uint16_t name_length = load_u16(central + 28);
    const uint32_t local_offset = load_u32(central + 42);
    const std::string name(reinterpret_cast<const char*>(central + 46), name_length);
    const uint8_t* local = zip.data() + local_offset;
    EXPECT_EQ(load_u32(local), 0x04034b50u);
    EXPECT_EQ(load_u16(local + 6), 0);  // no data descriptor follows
    EXPECT_EQ(load_u32(local + 14), crc);
    EXPECT_EQ(load_u32(local + 18), size);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(local + 30), load_u16(local + 26)), name);
    const std::size_t data_begin = local_offset + 30 + name_length + load_u16(local + 28);
    entries.push_back({name, crc, text_of(zip, data_begin, size)});
    central += 46 + name_length + load_u16(central + 30) + load_u16(central + 32);
  }
  return entries;
}

// An NPY 1.0 file: preamble, the header dict padded to 64 bytes with spaces and '\n', data.
std::string npy(const std::string& dict, const void* data, std::size_t size) {
  const std::size_t padded = (10 + dict.size() + 1 + 63) / 64 * 64 - 10;
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(padded & 0xFF);
  out += static_cast<char>(padded >> 8);
  out += dict + std::string(padded - dict.size() - 1, ' ') + "\n";
  return out + std::string(static_cast<const char*>(data), size);
}

TEST(NpzWriter, WritesStoredNpyEntriesAndTheConfig) {
  const std::vector<uint8_t> zip = encode_npz(sample_tensors(), {{"d_model", "16"}});
  const std::vector<ZipEntry> entries = read_zip(zip);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].name, "fc.weight.npy");
  EXPECT_EQ(entries[0].data,
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", kMatrix, 24));
  EXPECT_EQ(entries[1].name, "index.npy");
  EXPECT_EQ(entries[1].data,
            npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", kIndex, 8));
  EXPECT_EQ(entries[2].name, "scale.npy");
  EXPECT_EQ(entries[2].data,
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &kScalar, 4));
  // The config: np.array(json.dumps(config)), a 0-d array of 16 UTF-32LE code points.
  const std::string json = "{\"d_model\":\"16\"}";
  std::string utf32;
  for (char c : json) utf32 += std::string{c, '\0', '\0', '\0'};
  EXPECT_EQ(entries[3].name, "__config__.npy");
  EXPECT_EQ(entries[3].data, npy("{'descr': '<U16', 'fortran_order': False, 'shape': (), }",
                                 utf32.data(), utf32.size()));
  for (const ZipEntry& entry : entries) {
    EXPECT_EQ(entry.crc, crc32(entry.data.data(), entry.data.size())) << entry.name;
    const auto* npy_bytes = reinterpret_cast<const uint8_t*>(entry.data.data());
    EXPECT_EQ((10 + load_u16(npy_bytes + 8)) % 64, 0u) << entry.name << ": data not 64-aligned";
  }
  EXPECT_EQ(encode_npz(sample_tensors(), {{"d_model", "16"}}), zip) << "not reproducible";
}

TEST(NpzWriter, RefusesTheConfigNameAndBadText) {
  const float x = 1;
  expect_invalid(
      [&] {
        encode_npz({{"__config__", FileDType::kF32, {}, &x}}, {});
      },
      FormatErrorKind::kInvalidArgument, "reserved");
  expect_invalid(
      [&] {
        encode_npz({}, {{"\xc3", "v"}});
      },
      FormatErrorKind::kInvalidArgument, "UTF-8");
}

}  // namespace
}  // namespace attn::formats
