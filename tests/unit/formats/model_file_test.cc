#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "sample_model.h"

namespace attn::formats {
namespace {

using testing::SampleModel;

// A fresh directory per test, removed with its files afterwards.
class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/attn_formats_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& name : files()) std::remove((dir_ + "/" + name).c_str());
    rmdir(dir_.c_str());
  }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        names.push_back(e->d_name);
      }
    }
    closedir(d);
    return names;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_tensor_bytes(const ModelFile& file, const std::string& name, const void* data,
                         std::size_t size) {
  const TensorEntry& t = file.tensor(name);
  ASSERT_EQ(t.byte_size, size) << name;
  if (size > 0) {
    EXPECT_EQ(std::memcmp(t.data, data, size), 0) << name;
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % kAlignment, 0u) << name;
}

TEST_F(ModelFileTest, RoundTripIsBitExact) {
  const SampleModel sample;
  const std::string file = path("model.attn");
  write_model_file(file, FileKind::kCheckpoint, sample.metadata, sample.tensors());
  const ModelFile model = read_model_file(file);

  EXPECT_TRUE(model.memory_mapped());
  EXPECT_EQ(model.kind(), FileKind::kCheckpoint);
  EXPECT_EQ(model.version().major, kFormatMajor);
  EXPECT_EQ(model.version().minor, 0);  // no i8 tensor: written as 1.0 (1.1 only for int8)
  EXPECT_EQ(model.metadata(), sample.metadata);
  ASSERT_EQ(model.tensors().size(), 5u);
  EXPECT_EQ(model.tensors()[0].name, "embed.source");
  EXPECT_EQ(model.tensors()[0].shape, (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(model.tensors()[2].dtype, FileDType::kI32);
  EXPECT_EQ(model.tensors()[3].shape, std::vector<int64_t>{});
  EXPECT_EQ(model.tensors()[3].element_count, 1u);
  EXPECT_EQ(model.tensors()[4].element_count, 0u);
  expect_tensor_bytes(model, "embed.source", sample.embedding.data(), 15 * 4);
  expect_tensor_bytes(model, "enc.0.w", sample.weight.data(), 6 * 4);
  expect_tensor_bytes(model, "opt.steps", sample.steps.data(), 7 * 4);
  expect_tensor_bytes(model, "scale", &sample.scale, 4);
  expect_tensor_bytes(model, "empty", nullptr, 0);
  EXPECT_TRUE(find_damage(model).empty());

  // The file on disk is exactly the in-memory encoding, and encoding is deterministic.
  const std::vector<uint8_t> encoded =
      encode_model_file(FileKind::kCheckpoint, sample.metadata, sample.tensors());
  EXPECT_EQ(read_bytes(file), encoded);
  EXPECT_EQ(model.file_size(), encoded.size());
  EXPECT_EQ(encoded.size() % kAlignment, 0u);
}

TEST_F(ModelFileTest, ReadingFromMemoryMatchesReadingTheFile) {
  const SampleModel sample;
  const std::vector<uint8_t> encoded =
      encode_model_file(FileKind::kModel, sample.metadata, sample.tensors());
  const ModelFile model =
      parse_model_file(FileBytes::copy(encoded.data(), encoded.size()), "memory");
  EXPECT_FALSE(model.memory_mapped());
  EXPECT_EQ(model.kind(), FileKind::kModel);
  expect_tensor_bytes(model, "enc.0.w", sample.weight.data(), 6 * 4);
}

TEST_F(ModelFileTest, TensorsOutliveTheModelFileCopyTheyCameFrom) {
  const SampleModel sample;
  write_model_file(path("m.attn"), FileKind::kModel, sample.metadata, sample.tensors());
  ModelFile kept = read_model_file(path("m.attn"));
  const void* data = nullptr;
  {
    const ModelFile copy = read_model_file(path("m.attn"));
    kept = copy;
    data = copy.tensor("enc.0.w").data;
  }
  EXPECT_EQ(std::memcmp(data, sample.weight.data(), 24), 0);
}

TEST_F(ModelFileTest, WritingToStdoutStreamsTheSameBytes) {
  const SampleModel sample;
  const std::string file = path("stdout.attn");
  const int saved = dup(STDOUT_FILENO);
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  std::fflush(stdout);
  dup2(fd, STDOUT_FILENO);
  write_model_file("-", FileKind::kModel, sample.metadata, sample.tensors());
  dup2(saved, STDOUT_FILENO);
  close(fd);
  close(saved);
  EXPECT_EQ(read_bytes(file),
            encode_model_file(FileKind::kModel, sample.metadata, sample.tensors()));
}

TEST_F(ModelFileTest, EmptyModelRoundTrips) {
  write_model_file(path("empty.attn"), FileKind::kModel, Metadata{}, {});
  const ModelFile model = read_model_file(path("empty.attn"));
  EXPECT_TRUE(model.tensors().empty());
  EXPECT_EQ(model.metadata(), Metadata{});
  EXPECT_TRUE(find_damage(model).empty());
}

TEST_F(ModelFileTest, AtomicWriteReplacesAndLeavesNoTemporaryFile) {
  const SampleModel sample;
  write_model_file(path("m.attn"), FileKind::kModel, Metadata{}, {});
  write_model_file(path("m.attn"), FileKind::kModel, sample.metadata, sample.tensors());
  EXPECT_EQ(files(), std::vector<std::string>{"m.attn"});
  EXPECT_EQ(read_model_file(path("m.attn")).tensors().size(), 5u);
}

TEST_F(ModelFileTest, FailedWriteLeavesTheOldFileAndNoTemporary) {
  write_model_file(path("m.attn"), FileKind::kModel, Metadata{}, {});
  const std::vector<uint8_t> before = read_bytes(path("m.attn"));
  // Renaming a file over a non-empty directory fails after the temporary is complete.
  ASSERT_EQ(mkdir(path("d.attn").c_str(), 0700), 0);
  std::ofstream(path("d.attn/keep")) << "x";
  try {
    write_model_file(path("d.attn"), FileKind::kModel, Metadata{}, {});
    ADD_FAILURE() << "wrote over a directory";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kIo);
  }
  std::remove(path("d.attn/keep").c_str());
  rmdir(path("d.attn").c_str());
  EXPECT_EQ(files(), std::vector<std::string>{"m.attn"});
  EXPECT_EQ(read_bytes(path("m.attn")), before);
}

TEST_F(ModelFileTest, WriteIntoMissingDirectoryIsAnIoError) {
  try {
    write_model_file(path("no/such/dir/m.attn"), FileKind::kModel, Metadata{}, {});
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kIo);
  }
}

TEST_F(ModelFileTest, MissingFileIsAnIoErrorNamingThePath) {
  try {
    read_model_file(path("absent.attn"));
    ADD_FAILURE() << "read a missing file";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("absent.attn: cannot open"), std::string::npos);
  }
}

TEST_F(ModelFileTest, MissingTensorIsReported) {
  write_model_file(path("m.attn"), FileKind::kModel, Metadata{}, {});
  const ModelFile model = read_model_file(path("m.attn"));
  EXPECT_EQ(model.find_tensor("w"), nullptr);
  try {
    model.tensor("w");
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kMissingTensor);
  }
}

FormatErrorKind write_error_kind(const std::vector<TensorToWrite>& tensors) {
  try {
    encode_model_file(FileKind::kModel, Metadata{}, tensors);
  } catch (const FormatError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "writer accepted bad tensors";
  return FormatErrorKind::kIo;
}

TEST(ModelWriter, RefusesWhatTheReaderWouldRefuse) {
  const float x[4] = {};
  const auto invalid = FormatErrorKind::kInvalidArgument;
  EXPECT_EQ(write_error_kind({{"a b", FileDType::kF32, {1}, x}}), invalid);
  EXPECT_EQ(write_error_kind({{"", FileDType::kF32, {1}, x}}), invalid);
  EXPECT_EQ(write_error_kind({{std::string(257, 'a'), FileDType::kF32, {1}, x}}), invalid);
  EXPECT_EQ(write_error_kind({{"a", FileDType::kF32, {1}, x}, {"a", FileDType::kF32, {1}, x}}),
            invalid);
  EXPECT_EQ(write_error_kind({{"a", FileDType::kF32, {1, 1, 1, 1, 1, 1, 1, 1, 1}, x}}), invalid);
  EXPECT_EQ(write_error_kind({{"a", FileDType::kF32, {-1}, x}}), invalid);
  EXPECT_EQ(write_error_kind({{"a", FileDType::kF32, {1 << 30, 1 << 30, 1 << 30}, x}}), invalid);
  EXPECT_EQ(write_error_kind({{"a", FileDType::kF32, {2}, nullptr}}), invalid);
  // A 256-byte name is the longest allowed.
  EXPECT_NO_THROW(encode_model_file(FileKind::kModel, Metadata{},
                                    {{std::string(256, 'a'), FileDType::kF32, {1}, x}}));
}

}  // namespace
}  // namespace attn::formats
