#include "formats/npz_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "formats/format_error.h"
#include "formats/npz_writer.h"

namespace attn::formats {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "." + std::to_string(::getpid()) + ".npz"))
      .string();
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

FormatErrorKind kind_of(const std::string& path) {
  try {
    read_npz(path);
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return e.kind();
  }
  ADD_FAILURE() << path << " was read";
  return FormatErrorKind::kIo;
}

// attn's own npz writer makes the archive; the reader must give back names, shapes and values.
TEST(NpzReader, ReadsWhatTheWriterWrote) {
  const std::vector<float> w = {1, 2, 3, 4, 5, 6};
  const std::vector<int32_t> ids = {7, -8};
  const std::string path = temp_path("npz_reader_roundtrip");
  write_npz(path, {{"layer.w", FileDType::kF32, {2, 3}, w.data()}, {"ids", FileDType::kI32, {2}, ids.data()}},
            {{"k", "v"}});
  const NpzArchive npz = read_npz(path);
  ASSERT_TRUE(npz.contains("layer.w"));
  const NpyArray& a = npz.at("layer.w");
  EXPECT_EQ(a.descr, "<f4");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::vector<float>(a.floats(path, "layer.w"), a.floats(path, "layer.w") + 6), w);
  EXPECT_EQ(npz.at("ids").descr, "<i4");
  EXPECT_THROW(npz.at("ids").floats(path, "ids"), FormatError);  // not float32
  EXPECT_TRUE(npz.contains("__config__"));
  try {
    npz.at("absent");
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kMissingTensor);
  }
  std::remove(path.c_str());
}

TEST(NpzReader, RefusesDamagedArchives) {
  const std::vector<float> w(64, 0.5f);
  const std::vector<uint8_t> good = encode_npz({{"w", FileDType::kF32, {8, 8}, w.data()}}, {});

  const std::string truncated = temp_path("npz_reader_truncated");
  write_bytes(truncated, std::vector<uint8_t>(good.begin(), good.begin() + good.size() / 2));
  kind_of(truncated);  // any kind, but a FormatError naming the file

  // One flipped byte in the stored data: the entry's CRC-32 no longer matches.
  const std::string flipped = temp_path("npz_reader_flipped");
  std::vector<uint8_t> bad = good;
  bad[200] ^= 0x40;
  write_bytes(flipped, bad);
  EXPECT_EQ(kind_of(flipped), FormatErrorKind::kChecksum);

  const std::string text = temp_path("npz_reader_text");
  write_bytes(text, {'h', 'e', 'l', 'l', 'o'});
  EXPECT_EQ(kind_of(text), FormatErrorKind::kBadMagic);

  EXPECT_EQ(kind_of(temp_path("npz_reader_missing")), FormatErrorKind::kIo);
  for (const auto& p : {truncated, flipped, text}) std::remove(p.c_str());
}

// A header whose shape disagrees with the bytes that follow is refused, not read past.
TEST(NpzReader, RefusesAShapeLargerThanTheData) {
  const std::vector<float> w(4, 1.0f);
  std::vector<uint8_t> zip = encode_npz({{"w", FileDType::kF32, {2, 2}, w.data()}}, {});
  const std::string from = "(2, 2)", to = "(2, 3)";
  auto at = std::search(zip.begin(), zip.end(), from.begin(), from.end());
  ASSERT_NE(at, zip.end());
  std::copy(to.begin(), to.end(), at);
  const std::string path = temp_path("npz_reader_shape");
  write_bytes(path, zip);
  // The zip CRC covers the header too: either check may fire, both are FormatErrors.
  const FormatErrorKind kind = kind_of(path);
  EXPECT_TRUE(kind == FormatErrorKind::kChecksum || kind == FormatErrorKind::kBadTensor);
  std::remove(path.c_str());
}

// An entry whose headers claim far more bytes than the archive holds (a zip bomb's shape) is
// refused before its claim is allocated.
TEST(NpzReader, RefusesAnEntryClaimingMoreThanTheArchiveCanHold) {
  const std::vector<float> w(4, 1.0f);
  std::vector<uint8_t> zip = encode_npz({{"w", FileDType::kF32, {2, 2}, w.data()}}, {});
  auto patch_size = [&](const std::vector<uint8_t>& signature, size_t field) {
    for (auto at = std::search(zip.begin(), zip.end(), signature.begin(), signature.end());
         at != zip.end(); at = std::search(at + 1, zip.end(), signature.begin(), signature.end()))
      for (int i = 0; i < 4; ++i) *(at + field + i) = i == 3 ? 0x7f : 0xff;  // ~2 GiB
  };
  patch_size({'P', 'K', 3, 4}, 22);  // local headers: uncompressed size
  patch_size({'P', 'K', 1, 2}, 24);  // central directory: uncompressed size
  const std::string path = temp_path("npz_reader_bomb");
  write_bytes(path, zip);
  kind_of(path);  // a FormatError naming the file, not an allocation of the claim
  std::remove(path.c_str());
}

}  // namespace
}  // namespace attn::formats
