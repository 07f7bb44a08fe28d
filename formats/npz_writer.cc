#include "formats/npz_writer.h"

#include <fmt/format.h>

#include <memory>

#include "formats/crc32.h"
#include "formats/export_common.h"
#include "formats/format_error.h"
#include "formats/layout.h"
#include "formats/output_file.h"

namespace attn::formats {
namespace {

// Zip (PKWARE APPNOTE 6.3, sections 4.3.7, 4.3.12, 4.3.16) without zip64: every size and
// offset must stay below 0xFFFFFFFF, which readers take as "look in the zip64 record".
constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfDirectorySignature = 0x06054b50;
constexpr uint64_t kLocalHeaderSize = 30;  // before the file name
constexpr uint16_t kZipVersion = 20;       // 2.0: the oldest that knows stored entries in folders
constexpr uint16_t kDosDate1980 = 0x21;    // 1980-01-01, the earliest date a zip can say
constexpr uint64_t kMaxZipValue = 0xFFFFFFFEull;
constexpr uint64_t kMaxZipEntries = 0xFFFF;

constexpr uint64_t kNpyPreambleSize = 10;  // magic, version 1.0, u16 header length
constexpr uint64_t kNpyAlignment = 64;     // numpy >= 1.9 aligns the data so it can be mapped

const char* npy_descr(FileDType dtype) {
  switch (dtype) {
    case FileDType::kF32:
      return "<f4";
    case FileDType::kI32:
      return "<i4";
    case FileDType::kI8:
      return "|i1";
  }
  throw FormatError(FormatErrorKind::kInvalidArgument, "", FormatError::kNoOffset,
                    fmt::format("dtype code {} has no npy descr", static_cast<uint32_t>(dtype)));
}

// An NPY 1.0 preamble and header: a Python dict literal, padded with spaces and ended by '\n'
// so the data begins at a multiple of 64 bytes.
std::string npy_header(const std::string& descr, const std::vector<int64_t>& shape) {
  const std::string dims = shape.size() == 1 ? fmt::format("({},)", shape[0])
                                             : fmt::format("({})", fmt::join(shape, ", "));
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, dims);
  const uint64_t unpadded = kNpyPreambleSize + dict.size() + 1;
  dict.append(align_up(unpadded, kNpyAlignment) - unpadded, ' ');
  dict += '\n';
  std::string header = "\x93NUMPY\x01";
  header += '\0';
  header += static_cast<char>(dict.size() & 0xFF);
  header += static_cast<char>(dict.size() >> 8);
  return header + dict;
}

struct Entry {
  std::string file_name;  // "<tensor name>.npy"
  std::string npy_header;
  const void* data;
  uint64_t data_size;
  uint32_t crc;
  uint64_t local_offset;
};

void check_zip_value(uint64_t value, const std::string& what) {
  if (value > kMaxZipValue)
    throw FormatError(FormatErrorKind::kLimit, "", FormatError::kNoOffset,
                      fmt::format("{} is {} bytes, past the 4 GiB an npz without zip64 holds "
                                  "(export safetensors instead)",
                                  what, value));
}

// Little-endian fields appended in order, as zip headers are laid out.
struct ZipBytes {
  std::vector<uint8_t> bytes;

  void u16(uint16_t v) { bytes.insert(bytes.end(), {uint8_t(v), uint8_t(v >> 8)}); }
  void u32(uint32_t v) { u16(uint16_t(v)), u16(uint16_t(v >> 16)); }
  void text(const std::string& s) { bytes.insert(bytes.end(), s.begin(), s.end()); }

  // The fields local and central headers share, from "version needed" to "extra length".
  void common_fields(const Entry& entry) {
    const uint32_t size = static_cast<uint32_t>(entry.npy_header.size() + entry.data_size);
    u16(kZipVersion);  // needed to extract
    u16(0);            // flags: sizes and CRC are in the header, no data descriptor
    u16(0);            // method: stored
    u16(0);            // time 00:00:00
    u16(kDosDate1980);
    u32(entry.crc);
    u32(size);  // compressed
    u32(size);  // uncompressed
    u16(static_cast<uint16_t>(entry.file_name.size()));
    u16(0);  // extra field length
  }
};

// Checks everything, computes every CRC and offset, and builds the central directory before
// the first byte is emitted, so a refused archive never leaves half a file on stdout.
ByteEmitter plan(const std::vector<TensorToWrite>& tensors,
                 const std::map<std::string, std::string>& config) {
  const std::vector<uint64_t> sizes = checked_export_sizes(tensors, "__config__");
  if (tensors.size() + 1 > kMaxZipEntries)
    throw FormatError(FormatErrorKind::kLimit, "", FormatError::kNoOffset,
                      fmt::format("{} tensors: an npz without zip64 holds at most {}",
                                  tensors.size(), kMaxZipEntries - 1));

  // The JSON is pure ASCII, so each byte is one code point: its UTF-32LE form is the byte
  // followed by three zeros.
  const std::string json = json_object(config);
  auto config_data = std::make_shared<std::vector<uint8_t>>(json.size() * 4, 0);
  for (std::size_t i = 0; i < json.size(); ++i) (*config_data)[i * 4] = uint8_t(json[i]);

  std::vector<Entry> entries;
  for (std::size_t i = 0; i < tensors.size(); ++i)
    entries.push_back({tensors[i].name + ".npy",
                       npy_header(npy_descr(tensors[i].dtype), tensors[i].shape), tensors[i].data,
                       sizes[i], 0, 0});
  entries.push_back({"__config__.npy", npy_header(fmt::format("<U{}", json.size()), {}),
                     config_data->data(), config_data->size(), 0, 0});

  uint64_t offset = 0;
  for (Entry& entry : entries) {
    check_zip_value(entry.npy_header.size() + entry.data_size, "entry '" + entry.file_name + "'");
    check_zip_value(offset, "the archive before '" + entry.file_name + "'");
    Crc32 crc;
    crc.update(entry.npy_header.data(), entry.npy_header.size());
    if (entry.data_size > 0) crc.update(entry.data, entry.data_size);
    entry.crc = crc.value();
    entry.local_offset = offset;
    offset += kLocalHeaderSize + entry.file_name.size() + entry.npy_header.size() + entry.data_size;
  }

  ZipBytes directory;
  for (const Entry& entry : entries) {
    directory.u32(kCentralHeaderSignature);
    directory.u16(kZipVersion);  // made by: MS-DOS attributes, spec 2.0
    directory.common_fields(entry);
    directory.u16(0);  // comment length
    directory.u16(0);  // disk number
    directory.u16(0);  // internal attributes
    directory.u32(0);  // external attributes
    directory.u32(static_cast<uint32_t>(entry.local_offset));
    directory.text(entry.file_name);
  }
  const uint64_t directory_size = directory.bytes.size();
  check_zip_value(offset, "the archive before its directory");
  check_zip_value(offset + directory_size, "the archive");
  directory.u32(kEndOfDirectorySignature);
  directory.u16(0);                                      // this disk
  directory.u16(0);                                      // disk with the directory
  directory.u16(static_cast<uint16_t>(entries.size()));  // on this disk
  directory.u16(static_cast<uint16_t>(entries.size()));  // in all
  directory.u32(static_cast<uint32_t>(directory_size));
  directory.u32(static_cast<uint32_t>(offset));
  directory.u16(0);  // comment length

  return [entries = std::move(entries), directory = std::move(directory.bytes),
          config_data](const ByteSink& sink) {
    for (const Entry& entry : entries) {
      ZipBytes local;
      local.u32(kLocalHeaderSignature);
      local.common_fields(entry);
      local.text(entry.file_name);
      sink(local.bytes.data(), local.bytes.size());
      sink(entry.npy_header.data(), entry.npy_header.size());
      if (entry.data_size > 0) sink(entry.data, entry.data_size);
    }
    sink(directory.data(), directory.size());
  };
}

}  // namespace

void write_npz(const std::string& path, const std::vector<TensorToWrite>& tensors,
               const std::map<std::string, std::string>& config) {
  write_output(path, plan(tensors, config));
}

std::vector<uint8_t> encode_npz(const std::vector<TensorToWrite>& tensors,
                                const std::map<std::string, std::string>& config) {
  return collect_output(plan(tensors, config));
}

}  // namespace attn::formats
