// write_output replaces a file only when the whole of it was written.
#include "formats/output_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

TEST_F(OutputFileTest, WritesThroughASymlinkToItsTarget) {
  write_output(dir_ + "/target", text("old"));
  ASSERT_EQ(symlink("target", (dir_ + "/link").c_str()), 0);
  write_output(dir_ + "/link", text("new"));
  EXPECT_EQ(read("target"), "new");
  char buffer[64] = {};
  ASSERT_GT(readlink((dir_ + "/link").c_str(), buffer, sizeof(buffer) - 1), 0);
  EXPECT_STREQ(buffer, "target");  // still a link, to the same name
  // A dangling link makes its target.
  ASSERT_EQ(symlink("made", (dir_ + "/dangling").c_str()), 0);
  write_output(dir_ + "/dangling", text("x"));
  EXPECT_EQ(read("made"), "x");
}

TEST_F(OutputFileTest, RefusesToReplaceAFifoOrADirectory) {
  ASSERT_EQ(mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  ASSERT_EQ(mkdir((dir_ + "/sub").c_str(), 0700), 0);
  for (const char* name : {"fifo", "sub"}) {
    try {
      write_output(dir_ + "/" + name, text("x"));
      ADD_FAILURE() << "replaced " << name;
    } catch (const FormatError& e) {
      EXPECT_EQ(e.kind(), FormatErrorKind::kIo);
      EXPECT_NE(std::string(e.what()).find("regular files"), std::string::npos) << e.what();
    }
  }
  struct stat info {};
  ASSERT_EQ(lstat((dir_ + "/fifo").c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  rmdir((dir_ + "/sub").c_str());
}

TEST_F(OutputFileTest, RemovesTheTemporaryFilesOfDeadWritersOnly) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // a process id that is no longer alive
  const std::string dead = ".out.tmp." + std::to_string(child) + ".0";
  const std::string live = ".other.tmp." + std::to_string(getpid()) + ".9";
  for (const std::string& name : {dead, live, std::string(".x.tmp.notapid.1")})
    std::ofstream(dir_ + "/" + name) << "partial";
  write_output(dir_ + "/out", text("done"));
  std::vector<std::string> names = files();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".other.tmp." + std::to_string(getpid()) + ".9",
                                             ".x.tmp.notapid.1", "out"}));
}

TEST_F(OutputFileTest, RefusesAnOutputThatIsAnInput) {
  write_output(dir_ + "/in", text("precious"));
  ASSERT_EQ(symlink("in", (dir_ + "/alias").c_str()), 0);
  EXPECT_THROW(refuse_output_over_inputs({"-o", dir_ + "/alias"}, {{"-i", dir_ + "/in"}}),
               FormatError);
  EXPECT_NO_THROW(refuse_output_over_inputs({"-o", dir_ + "/new"}, {{"-i", dir_ + "/in"}}));
  write_output(dir_ + "/other", text("x"));
  EXPECT_NO_THROW(refuse_output_over_inputs({"-o", dir_ + "/other"}, {{"-i", dir_ + "/in"}}));
  EXPECT_EQ(read("in"), "precious");
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
