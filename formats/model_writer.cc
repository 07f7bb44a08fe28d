#include "formats/model_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <set>

#include "formats/crc32.h"
#include "formats/format_error.h"
#include "formats/output_file.h"

namespace attn::formats {
namespace {

[[noreturn]] void throw_invalid(const std::string& problem) {
  throw FormatError(FormatErrorKind::kInvalidArgument, "", FormatError::kNoOffset, problem);
}

// A tensor after validation: its byte size and checksum, ready for the directory.
struct PlannedTensor {
  const TensorToWrite* source;
  uint64_t byte_size;
  uint64_t offset;  // within the data section
  uint32_t crc;
};

// Everything but the tensor bytes, computed up front because the preamble and directory that
// come first record sizes and checksums of what comes after.
struct Plan {
  std::vector<uint8_t> preamble;
  std::vector<uint8_t> metadata_section;
  std::vector<uint8_t> directory_section;
  std::vector<PlannedTensor> tensors;
  uint64_t metadata_offset;
  uint64_t directory_offset;
  uint64_t data_offset;
  uint64_t file_size;
};

uint64_t checked_byte_size(const TensorToWrite& tensor) {
  if (tensor.shape.size() > kMaxRank) {
    throw_invalid(fmt::format("tensor '{}' has rank {}, more than {}", tensor.name,
                              tensor.shape.size(), kMaxRank));
  }
  uint64_t count = 1;
  for (int64_t dim : tensor.shape) {
    if (dim < 0 || static_cast<uint64_t>(dim) > kMaxElements) {
      throw_invalid(fmt::format("tensor '{}' has dimension {}", tensor.name, dim));
    }
    if (dim != 0 && count > kMaxElements / static_cast<uint64_t>(dim)) {
      throw_invalid(fmt::format("tensor '{}' has too many elements", tensor.name));
    }
    count *= static_cast<uint64_t>(dim);
  }
  const uint64_t bytes = count * dtype_size(tensor.dtype);
  if (bytes > 0 && tensor.data == nullptr) {
    throw_invalid(fmt::format("tensor '{}' has no data", tensor.name));
  }
  return bytes;
}

Plan make_plan(FileKind kind, const Metadata& metadata, const std::vector<TensorToWrite>& tensors) {
  if (kind != FileKind::kModel && kind != FileKind::kCheckpoint) {
    throw_invalid(
        fmt::format("file kind {} is neither model nor checkpoint", static_cast<uint32_t>(kind)));
  }
  if (tensors.size() > kMaxTensors) {
    throw_invalid(fmt::format("{} tensors, more than {}", tensors.size(), kMaxTensors));
  }
  Plan plan;
  static const uint8_t kZeros[kMaxAlignment] = {};
  std::set<std::string> names;
  Crc32 data_crc;
  uint64_t data_size = 0;
  for (const TensorToWrite& tensor : tensors) {
    if (tensor.name.size() > kMaxNameLength ||
        !is_valid_tensor_name(tensor.name.data(), tensor.name.size())) {
      throw_invalid(fmt::format("tensor name '{}' is empty, longer than {} or not [A-Za-z0-9_.:/-]",
                                tensor.name, kMaxNameLength));
    }
    if (!names.insert(tensor.name).second) {
      throw_invalid(fmt::format("tensor name '{}' appears twice", tensor.name));
    }
    const uint64_t bytes = checked_byte_size(tensor);
    Crc32 crc;
    crc.update(tensor.data, bytes);
    data_crc.update(tensor.data, bytes);
    const uint64_t padding = align_up(bytes, kAlignment) - bytes;
    data_crc.update(kZeros, padding);
    plan.tensors.push_back({&tensor, bytes, data_size, crc.value()});
    data_size += bytes + padding;
  }

  const std::string archive = encode_metadata(metadata);
  if (archive.size() > kMaxMetadataBytes) {
    throw_invalid(
        fmt::format("metadata is {} bytes, more than {}", archive.size(), kMaxMetadataBytes));
  }
  plan.metadata_section.assign(kMetadataHeaderSize, 0);
  store_u32(plan.metadata_section.data(), metadata_archive_version());
  store_u64(plan.metadata_section.data() + 8, archive.size());
  plan.metadata_section.insert(plan.metadata_section.end(), archive.begin(), archive.end());

  std::vector<uint8_t>& dir = plan.directory_section;
  dir.assign(kDirectoryHeaderSize, 0);
  store_u32(dir.data(), static_cast<uint32_t>(tensors.size()));
  for (const PlannedTensor& planned : plan.tensors) {
    const TensorToWrite& tensor = *planned.source;
    const std::size_t start = dir.size();
    const uint64_t name_end = kEntryFixedSize + 8 * tensor.shape.size() + tensor.name.size();
    dir.resize(start + align_up(name_end, 8), 0);
    uint8_t* entry = dir.data() + start;
    store_u32(entry, static_cast<uint32_t>(tensor.name.size()));
    store_u32(entry + 4, static_cast<uint32_t>(tensor.dtype));
    store_u32(entry + 8, static_cast<uint32_t>(tensor.shape.size()));
    store_u32(entry + 12, planned.crc);
    store_u64(entry + 16, planned.offset);
    store_u64(entry + 24, planned.byte_size);
    for (std::size_t d = 0; d < tensor.shape.size(); ++d) {
      store_u64(entry + kEntryFixedSize + 8 * d, static_cast<uint64_t>(tensor.shape[d]));
    }
    std::memcpy(entry + kEntryFixedSize + 8 * tensor.shape.size(), tensor.name.data(),
                tensor.name.size());
  }

  plan.metadata_offset = align_up(kPreambleSize, kAlignment);
  plan.directory_offset = align_up(plan.metadata_offset + plan.metadata_section.size(), kAlignment);
  plan.data_offset = align_up(plan.directory_offset + dir.size(), kAlignment);
  plan.file_size = plan.data_offset + data_size;

  std::vector<uint8_t>& pre = plan.preamble;
  pre.assign(kPreambleSize, 0);
  std::memcpy(pre.data(), kMagic, sizeof(kMagic));
  store_u16(pre.data() + kMajorOffset, kFormatMajor);
  // The lowest minor version that has every dtype written: fp32 files stay 1.0, byte for
  // byte what 1.0 writers wrote, and readable by them.
  uint16_t minor = 0;
  for (const TensorToWrite& tensor : tensors) minor = std::max(minor, dtype_minor_version(tensor.dtype));
  store_u16(pre.data() + kMinorOffset, minor);
  store_u32(pre.data() + kEndianOffset, kEndianTag);
  store_u32(pre.data() + kKindOffset, static_cast<uint32_t>(kind));
  store_u32(pre.data() + kAlignmentOffset, kAlignment);
  store_u64(pre.data() + kFileSizeOffset, plan.file_size);
  const uint64_t offsets[kSectionCount] = {plan.metadata_offset, plan.directory_offset,
                                           plan.data_offset};
  const uint64_t sizes[kSectionCount] = {plan.metadata_section.size(), dir.size(), data_size};
  const uint32_t crcs[kSectionCount] = {
      crc32(plan.metadata_section.data(), plan.metadata_section.size()),
      crc32(dir.data(), dir.size()), data_crc.value()};
  for (uint32_t s = 0; s < kSectionCount; ++s) {
    uint8_t* entry = pre.data() + kSectionTableOffset + s * kSectionEntrySize;
    store_u64(entry, offsets[s]);
    store_u64(entry + 8, sizes[s]);
    store_u32(entry + 16, crcs[s]);
  }
  store_u32(pre.data() + kPreambleCrcOffset, crc32(pre.data(), kPreambleCrcOffset));
  return plan;
}

// Emits the planned file, zero padding included, in file order.
void emit(const Plan& plan, const ByteSink& sink) {
  static const uint8_t kZeros[kMaxAlignment] = {};
  uint64_t position = 0;
  const auto put = [&](const void* data, uint64_t size) {
    if (size > 0) sink(data, size);
    position += size;
  };
  const auto pad_to = [&](uint64_t offset) { put(kZeros, offset - position); };
  put(plan.preamble.data(), plan.preamble.size());
  pad_to(plan.metadata_offset);
  put(plan.metadata_section.data(), plan.metadata_section.size());
  pad_to(plan.directory_offset);
  put(plan.directory_section.data(), plan.directory_section.size());
  pad_to(plan.data_offset);
  for (const PlannedTensor& tensor : plan.tensors) {
    put(tensor.source->data, tensor.byte_size);
    pad_to(align_up(position, kAlignment));
  }
}

}  // namespace

void write_model_file(const std::string& path, FileKind kind, const Metadata& metadata,
                      const std::vector<TensorToWrite>& tensors) {
  const Plan plan = make_plan(kind, metadata, tensors);
  // A temporary file fsynced and renamed over the target, or stdout for "-".
  write_output(path, [&](const ByteSink& sink) { emit(plan, sink); });
}

std::vector<uint8_t> encode_model_file(FileKind kind, const Metadata& metadata,
                                       const std::vector<TensorToWrite>& tensors) {
  const Plan plan = make_plan(kind, metadata, tensors);
  return collect_output([&](const ByteSink& sink) { emit(plan, sink); });
}

}  // namespace attn::formats
