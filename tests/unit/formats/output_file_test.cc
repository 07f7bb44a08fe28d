// write_output replaces a file only when the whole of it was written.
#include "formats/output_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "formats/format_error.h"

namespace attn::formats {
namespace {

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/attn_output_XXXXXX";
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
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        names.push_back(e->d_name);
    closedir(d);
    return names;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  std::string dir_;
};

ByteEmitter text(const std::string& s) {
  return [s](const ByteSink& sink) { sink(s.data(), s.size()); };
}

TEST_F(OutputFileTest, WritesAndReplaces) {
  write_output(dir_ + "/out", text("first"));
  EXPECT_EQ(read("out"), "first");
  write_output(dir_ + "/out", text("second, longer"));
  EXPECT_EQ(read("out"), "second, longer");
  EXPECT_EQ(files(), std::vector<std::string>{"out"});
}

TEST_F(OutputFileTest, AFailureHalfWayKeepsTheOldFileAndLeavesNoTemporary) {
  write_output(dir_ + "/out", text("old"));
  const ByteEmitter half = [](const ByteSink& sink) {
    sink("new bytes", 9);
    throw std::runtime_error("emitter failed");
  };
  EXPECT_THROW(write_output(dir_ + "/out", half), std::runtime_error);
  EXPECT_EQ(read("out"), "old");
  EXPECT_EQ(files(), std::vector<std::string>{"out"});
}

TEST_F(OutputFileTest, AMissingDirectoryIsAnIoError) {
  try {
    write_output(dir_ + "/no/such/dir/out", text("x"));
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.kind(), FormatErrorKind::kIo);
  }
}

TEST(CollectOutput, ConcatenatesThePieces) {
  const std::vector<uint8_t> bytes = collect_output([](const ByteSink& sink) {
    sink("ab", 2);
    sink("cde", 3);
  });
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "abcde");
}

}  // namespace
}  // namespace attn::formats
