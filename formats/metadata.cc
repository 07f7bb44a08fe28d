#include "formats/metadata.h"

#include <fmt/format.h>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/basic_archive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>
#include <charconv>
#include <sstream>
#include <streambuf>

#include "formats/format_error.h"
#include "formats/layout.h"

// The archive derivation needs Boost's template definitions for a new archive type.
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_text_iarchive.ipp>
#include <boost/archive/impl/text_iarchive_impl.ipp>

namespace attn::formats {

// The class versions this build writes. Bump one when its struct gains a field.
constexpr unsigned kVocabularyVersion = 0;
constexpr unsigned kProvenanceVersion = 0;
constexpr unsigned kOptimizerStateVersion = 0;
constexpr unsigned kDataPositionVersion = 0;
constexpr unsigned kTrainingStateVersion = 1;  // 1: run_options
constexpr unsigned kMetadataVersion = 0;

namespace detail {

// A text archive reader that checks every string length and collection count against the
// bytes still unread before Boost allocates for it: the stock text_iarchive resizes to
// whatever count the bytes claim, which a hostile file can set to 2^60.
class BoundedTextIArchive : public boost::archive::text_iarchive_impl<BoundedTextIArchive> {
 public:
  explicit BoundedTextIArchive(std::istream& is)
      : boost::archive::text_iarchive_impl<BoundedTextIArchive>(is, 0), stream_(is) {
    init();
  }

 protected:
  friend class boost::archive::detail::interface_iarchive<BoundedTextIArchive>;
  friend class boost::archive::load_access;
  using boost::archive::text_iarchive_impl<BoundedTextIArchive>::load;

  void load(std::string& s) {
    std::size_t size = 0;
    load(size);
    stream_.get();  // the space between length and characters
    if (size > remaining()) throw_too_long("string", size);
    s.resize(size);
    if (size > 0) stream_.read(&s[0], static_cast<std::streamsize>(size));
    if (!stream_) {
      throw boost::archive::archive_exception(
          boost::archive::archive_exception::input_stream_error);
    }
  }

  void load(boost::serialization::collection_size_type& count) {
    std::size_t value = 0;
    load(value);
    // Every element takes at least two characters ("0 "), so a count above half the bytes
    // left cannot be genuine.
    if (value > remaining() / 2) throw_too_long("collection", value);
    count = boost::serialization::collection_size_type(value);
  }

 private:
  std::size_t remaining() const {
    const std::streamsize available = stream_.rdbuf()->in_avail();
    return available > 0 ? static_cast<std::size_t>(available) : 0;
  }

  [[noreturn]] void throw_too_long(const char* what, std::size_t claimed) const {
    throw FormatError(FormatErrorKind::kBadMetadata, "", 0,
                      fmt::format("metadata {} longer than the archive", what),
                      fmt::format("at most {}", remaining()), std::to_string(claimed));
  }

  std::istream& stream_;
};

}  // namespace detail

namespace {

// Reads straight from the mapped bytes; no copy of the archive text.
class MemoryBuffer : public std::streambuf {
 public:
  MemoryBuffer(const char* data, std::size_t size) {
    char* begin = const_cast<char*>(data);  // get area only: never written through
    setg(begin, begin, begin + size);
  }
};

void check_class_version(unsigned found, unsigned known, const char* type) {
  if (found > known) {
    throw FormatError(FormatErrorKind::kNewerVersion, "", 0,
                      fmt::format("metadata {} is from a newer attn", type),
                      fmt::format("class version <= {}", known), std::to_string(found));
  }
}

std::string hex_encode(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string hex_decode(const std::string& hex) {
  if (hex.size() % 2 != 0) {
    throw FormatError(FormatErrorKind::kBadMetadata, "", 0,
                      "metadata sentencepiece_model hex has odd length", "even",
                      std::to_string(hex.size()));
  }
  std::string bytes(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      throw FormatError(FormatErrorKind::kBadMetadata, "", 0,
                        "metadata sentencepiece_model is not lowercase hex");
    }
    bytes[i] = static_cast<char>(high << 4 | low);
  }
  return bytes;
}

// Doubles travel as their shortest round-trip text: Boost's text archive writes NaN and infinity
// but cannot read them back, and a best score of -inf or a NaN setting must survive a save.
std::string double_to_text(double value) { return fmt::format("{}", value); }

double text_to_double(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) {
    throw FormatError(FormatErrorKind::kBadMetadata, "", 0, "metadata number does not parse",
                      "a decimal number", fmt::format("'{}'", text.substr(0, 40)));
  }
  return value;
}

// Boost's `ar & field` idiom, kept as Boost writes it.
// clang-format off
template <class Archive>
void serialize_double(Archive& ar, double& value) {
  std::string text;
  if constexpr (Archive::is_saving::value) text = double_to_text(value);
  ar & text;
  if constexpr (Archive::is_loading::value) value = text_to_double(text);
}

}  // namespace

// Boost finds these by argument-dependent lookup.
template <class Archive>
void serialize(Archive& ar, Vocabulary& v, const unsigned version) {
  check_class_version(version, kVocabularyVersion, "Vocabulary");
  ar & v.name & v.tokens;
}

template <class Archive>
void serialize(Archive& ar, Provenance& p, const unsigned version) {
  check_class_version(version, kProvenanceVersion, "Provenance");
  ar & p.tool_version & p.created & p.steps & p.epochs;
  serialize_double(ar, p.best_valid_score);
  ar & p.best_valid_metric & p.data_hash;
}

template <class Archive>
void serialize(Archive& ar, OptimizerState& o, const unsigned version) {
  check_class_version(version, kOptimizerStateVersion, "OptimizerState");
  std::map<std::string, std::string> settings;
  if constexpr (Archive::is_saving::value) {
    for (const auto& [key, value] : o.settings) settings[key] = double_to_text(value);
  }
  ar & o.name & settings;
  if constexpr (Archive::is_loading::value) {
    o.settings.clear();
    for (const auto& [key, text] : settings) o.settings[key] = text_to_double(text);
  }
}

template <class Archive>
void serialize(Archive& ar, DataPosition& d, const unsigned version) {
  check_class_version(version, kDataPositionVersion, "DataPosition");
  ar & d.epoch & d.batch_index & d.shuffle_seed;
}

template <class Archive>
void serialize(Archive& ar, TrainingState& t, const unsigned version) {
  check_class_version(version, kTrainingStateVersion, "TrainingState");
  ar & t.optimizer & t.rng_state & t.data_position;
  if (version >= 1) ar & t.run_options;
}

// Split because sentencepiece_model is binary: stored as hex text.
template <class Archive>
void save(Archive& ar, const Metadata& m, const unsigned /*version*/) {
  const std::string sentencepiece_hex = hex_encode(m.sentencepiece_model);
  ar & m.architecture & m.naming_revision & m.config & m.vocabularies & sentencepiece_hex &
      m.provenance & m.training;
}

template <class Archive>
void load(Archive& ar, Metadata& m, const unsigned version) {
  check_class_version(version, kMetadataVersion, "Metadata");
  std::string sentencepiece_hex;
  ar & m.architecture & m.naming_revision & m.config & m.vocabularies & sentencepiece_hex &
      m.provenance & m.training;
  m.sentencepiece_model = hex_decode(sentencepiece_hex);
}

template <class Archive>
void serialize(Archive& ar, Metadata& m, const unsigned version) {
  boost::serialization::split_free(ar, m, version);
}

// clang-format on

}  // namespace attn::formats

BOOST_CLASS_VERSION(attn::formats::Vocabulary, attn::formats::kVocabularyVersion)
BOOST_CLASS_VERSION(attn::formats::Provenance, attn::formats::kProvenanceVersion)
BOOST_CLASS_VERSION(attn::formats::OptimizerState, attn::formats::kOptimizerStateVersion)
BOOST_CLASS_VERSION(attn::formats::DataPosition, attn::formats::kDataPositionVersion)
BOOST_CLASS_VERSION(attn::formats::TrainingState, attn::formats::kTrainingStateVersion)
BOOST_CLASS_VERSION(attn::formats::Metadata, attn::formats::kMetadataVersion)

template class boost::archive::detail::archive_serializer_map<
    attn::formats::detail::BoundedTextIArchive>;
template class boost::archive::basic_text_iarchive<attn::formats::detail::BoundedTextIArchive>;
template class boost::archive::text_iarchive_impl<attn::formats::detail::BoundedTextIArchive>;

namespace attn::formats {

bool operator==(const Vocabulary& a, const Vocabulary& b) {
  return a.name == b.name && a.tokens == b.tokens;
}

bool operator==(const Provenance& a, const Provenance& b) {
  return a.tool_version == b.tool_version && a.created == b.created && a.steps == b.steps &&
         a.epochs == b.epochs && a.best_valid_score == b.best_valid_score &&
         a.best_valid_metric == b.best_valid_metric && a.data_hash == b.data_hash;
}

bool operator==(const OptimizerState& a, const OptimizerState& b) {
  return a.name == b.name && a.settings == b.settings;
}

bool operator==(const DataPosition& a, const DataPosition& b) {
  return a.epoch == b.epoch && a.batch_index == b.batch_index && a.shuffle_seed == b.shuffle_seed;
}

bool operator==(const TrainingState& a, const TrainingState& b) {
  return a.optimizer == b.optimizer && a.rng_state == b.rng_state &&
         a.data_position == b.data_position && a.run_options == b.run_options;
}

bool operator==(const Metadata& a, const Metadata& b) {
  return a.architecture == b.architecture && a.naming_revision == b.naming_revision &&
         a.config == b.config && a.vocabularies == b.vocabularies &&
         a.sentencepiece_model == b.sentencepiece_model && a.provenance == b.provenance &&
         a.training == b.training;
}

uint32_t metadata_archive_version() {
  return static_cast<uint32_t>(boost::archive::BOOST_ARCHIVE_VERSION());
}

std::string encode_metadata(const Metadata& meta) {
  std::ostringstream out;
  {
    boost::archive::text_oarchive archive(out);
    archive << meta;
  }
  return out.str();
}

Metadata decode_metadata(const char* text, std::size_t size) {
  MemoryBuffer buffer(text, size);
  std::istream in(&buffer);
  Metadata meta;
  try {
    detail::BoundedTextIArchive archive(in);
    archive >> meta;
  } catch (const FormatError&) {
    throw;
  } catch (const std::exception& e) {
    // Boost's archive_exception, or a standard exception from a container it filled.
    throw FormatError(FormatErrorKind::kBadMetadata, "", 0,
                      fmt::format("metadata does not parse: {}", e.what()));
  }
  return meta;
}

}  // namespace attn::formats
