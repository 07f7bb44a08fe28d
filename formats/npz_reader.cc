#include "formats/npz_reader.h"

#include <fmt/format.h>
#include <zip.h>

#include <cstring>
#include <memory>

#include "formats/format_error.h"

namespace attn::formats {
namespace {

// Arrays larger than this are not weights we could use; the cap keeps a hostile header from
// asking for an absurd allocation before the byte count is compared.
constexpr uint64_t kMaxArrayBytes = uint64_t{1} << 32;

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

[[noreturn]] void fail(FormatErrorKind kind, const std::string& path, const std::string& problem) {
  throw FormatError(kind, path, FormatError::kNoOffset, problem);
}

// The text after `'key':` in a .npy header dict, up to the matching delimiter.
std::string dict_value(const std::string& header, const std::string& key, const std::string& where) {
  const std::string quoted = "'" + key + "'";
  size_t at = header.find(quoted);
  if (at == std::string::npos) throw std::runtime_error(where + ": .npy header has no " + quoted);
  at = header.find(':', at + quoted.size());
  if (at == std::string::npos) throw std::runtime_error(where + ": .npy header: no value for " + quoted);
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  if (at >= header.size()) throw std::runtime_error(where + ": .npy header ends after " + quoted);
  const char open = header[at];
  if (open == '\'' || open == '"') {
    size_t end = header.find(open, at + 1);
    if (end == std::string::npos) throw std::runtime_error(where + ": .npy header: unterminated " + quoted);
    return header.substr(at + 1, end - at - 1);
  }
  if (open == '(') {
    size_t end = header.find(')', at);
    if (end == std::string::npos) throw std::runtime_error(where + ": .npy header: unterminated " + quoted);
    return header.substr(at, end - at + 1);
  }
  size_t end = header.find_first_of(",}", at);
  return header.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

int64_t item_size(const std::string& descr) {
  if (descr.size() < 3) return 0;
  const char kind = descr[1];
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b' && kind != 'U' && kind != 'S')
    return 0;
  try {
    size_t used = 0;
    const int size = std::stoi(descr.substr(2), &used);
    if (used != descr.size() - 2 || size <= 0) return 0;
    if (kind == 'U') return size <= (1 << 20) ? 4 * size : 0;  // UTF-32 code units
    if (kind == 'S') return size <= (1 << 22) ? size : 0;
    return size <= 16 ? size : 0;
  } catch (const std::logic_error&) {
    return 0;
  }
}

NpyArray parse_npy(const std::vector<uint8_t>& entry, const std::string& where) {
  static const char kMagic[] = "\x93NUMPY";
  if (entry.size() < 10 || std::memcmp(entry.data(), kMagic, 6) != 0)
    throw std::runtime_error(where + ": not a .npy array (no \\x93NUMPY magic)");
  const uint8_t major = entry[6];
  if (major < 1 || major > 3)
    throw std::runtime_error(fmt::format("{}: .npy version {}.{} is unknown", where, major, entry[7]));
  size_t header_start = major == 1 ? 10 : 12;
  if (entry.size() < header_start) throw std::runtime_error(where + ": .npy header truncated");
  uint64_t header_length = major == 1 ? (entry[8] | (entry[9] << 8))
                                      : (uint64_t{entry[8]} | uint64_t{entry[9]} << 8 |
                                         uint64_t{entry[10]} << 16 | uint64_t{entry[11]} << 24);
  if (header_start + header_length > entry.size())
    throw std::runtime_error(where + ": .npy header runs past the entry");
  const std::string header(reinterpret_cast<const char*>(entry.data()) + header_start, header_length);

  NpyArray array;
  array.descr = dict_value(header, "descr", where);
  const std::string fortran = dict_value(header, "fortran_order", where);
  if (fortran.find("False") != 0)
    throw std::runtime_error(where + ": Fortran-ordered arrays are not supported");
  const std::string shape = dict_value(header, "shape", where);
  if (shape.empty() || shape.front() != '(')
    throw std::runtime_error(where + ": .npy shape is not a tuple: " + shape);
  std::string dims = shape.substr(1, shape.size() - 2);
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    size_t used = 0;
    long long dim = -1;
    try {
      dim = std::stoll(dims.substr(pos), &used);
    } catch (const std::logic_error&) {
      used = 0;
    }
    if (used == 0 || dim < 0 || dim > (int64_t{1} << 40))
      throw std::runtime_error(where + ": .npy shape has a bad dimension: " + shape);
    array.shape.push_back(dim);
    pos += used;
  }
  const int64_t size = item_size(array.descr);
  if (size == 0) throw std::runtime_error(where + ": unknown .npy dtype '" + array.descr + "'");
  uint64_t expected = static_cast<uint64_t>(size);
  for (int64_t d : array.shape) {
    expected *= static_cast<uint64_t>(d);
    if (expected > kMaxArrayBytes) throw std::runtime_error(where + ": array too large: " + shape);
  }
  const uint64_t data_start = header_start + header_length;
  if (entry.size() - data_start != expected)
    throw std::runtime_error(fmt::format("{}: {} data bytes for shape {} of {}, expected {}", where,
                                         entry.size() - data_start, shape, array.descr, expected));
  array.bytes.assign(entry.begin() + static_cast<std::ptrdiff_t>(data_start), entry.end());
  return array;
}

}  // namespace

int64_t NpyArray::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const float* NpyArray::floats(const std::string& path, const std::string& name) const {
  if (descr != "<f4" && descr != "=f4")
    fail(FormatErrorKind::kBadTensor, path,
         fmt::format("array '{}' has dtype {}, expected float32 (<f4)", name, descr));
  return reinterpret_cast<const float*>(bytes.data());
}

const NpyArray& NpzArchive::at(const std::string& name) const {
  auto it = arrays.find(name);
  if (it == arrays.end()) fail(FormatErrorKind::kMissingTensor, path, "no array '" + name + "'");
  return it->second;
}

NpzArchive read_npz(const std::string& path) {
  int code = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    const FormatErrorKind kind = code == ZIP_ER_OPEN || code == ZIP_ER_NOENT || code == ZIP_ER_READ
                                     ? FormatErrorKind::kIo
                                 : code == ZIP_ER_NOZIP ? FormatErrorKind::kBadMagic
                                                        : FormatErrorKind::kTruncated;
    fail(kind, path, "cannot read as npz (a zip of .npy arrays): " + why);
  }
  NpzArchive npz;
  npz.path = path;
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive.get(), i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE) ||
        !(stat.valid & ZIP_STAT_NAME))
      fail(FormatErrorKind::kTruncated, path, fmt::format("zip entry {} is unreadable", i));
    std::string name = stat.name;
    if (stat.size > kMaxArrayBytes + 65536)
      fail(FormatErrorKind::kLimit, path, fmt::format("entry '{}' is too large", name));
    // Deflate expands at most ~1032:1; a claim beyond that is a zip bomb or a lie, refused
    // before anything is allocated for it.
    if ((stat.valid & ZIP_STAT_COMP_SIZE) && stat.size > 1100 * stat.comp_size + 65536)
      fail(FormatErrorKind::kLimit, path,
           fmt::format("entry '{}' claims {} bytes from {} compressed", name, stat.size,
                       stat.comp_size));
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), i, 0));
    if (!file)
      fail(FormatErrorKind::kTruncated, path,
           fmt::format("entry '{}': {}", name, zip_strerror(archive.get())));
    std::vector<uint8_t> bytes(stat.size);
    const zip_int64_t got = zip_fread(file.get(), bytes.data(), bytes.size());
    if (got < 0 || static_cast<zip_uint64_t>(got) != stat.size)
      fail(FormatErrorKind::kChecksum, path,
           fmt::format("entry '{}' is damaged: {}", name, zip_file_strerror(file.get())));
    // libzip checks the CRC only once the reader has seen the end of the data.
    char probe = 0;
    if (zip_fread(file.get(), &probe, 1) != 0)
      fail(FormatErrorKind::kChecksum, path,
           fmt::format("entry '{}' is damaged: {}", name, zip_file_strerror(file.get())));
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    try {
      NpyArray array = parse_npy(bytes, "array '" + name + "'");
      if (!npz.arrays.emplace(name, std::move(array)).second)
        fail(FormatErrorKind::kDuplicateName, path, "array '" + name + "' appears twice");
    } catch (const FormatError&) {
      throw;
    } catch (const std::runtime_error& e) {
      fail(FormatErrorKind::kBadTensor, path, e.what());
    }
  }
  return npz;
}

}  // namespace attn::formats
