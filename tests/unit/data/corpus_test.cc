#include "libattn/data/corpus.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "libattn/core/error.h"

namespace attn {
namespace {

std::string write_file(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "corpus_test_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The InputError message of fn(), or "" when it does not throw one.
template <typename Fn>
std::string input_error(Fn fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Corpus, ReadsTsvWithCrlfAndByteOrderMark) {
  const std::string path = write_file("ok.tsv",
                                      "\xef\xbb\xbf"
                                      "a b\tx y\r\nc\t\nd\td\n");
  const ParallelCorpus corpus = read_parallel_tsv(path);
  EXPECT_EQ(corpus.sources, (std::vector<std::string>{"a b", "c", "d"}));
  EXPECT_EQ(corpus.targets, (std::vector<std::string>{"x y", "", "d"}));
}

TEST(Corpus, TsvErrorsNameFileAndLine) {
  const std::string no_tab = write_file("no_tab.tsv", "a\tb\nno tab here\n");
  EXPECT_EQ(input_error([&] { read_parallel_tsv(no_tab); }),
            no_tab + ":2: expected source<TAB>target, found no tab");
  const std::string two_tabs = write_file("two_tabs.tsv", "a\tb\tc\n");
  EXPECT_EQ(input_error([&] { read_parallel_tsv(two_tabs); }),
            two_tabs + ":1: expected source<TAB>target, found more than one tab");
  const std::string empty = write_file("empty.tsv", "");
  EXPECT_EQ(input_error([&] { read_parallel_tsv(empty); }),
            empty + ": empty file, expected sentence pairs");
  const std::string bad = write_file("bad.tsv", "a\tb\nc\td\ne\t\xc3(\n");
  EXPECT_EQ(input_error([&] { read_parallel_tsv(bad); }),
            bad + ":3: invalid UTF-8 at byte 3 (0xc3); convert the file to UTF-8");
  const std::string missing = testing::TempDir() + "corpus_test_missing.tsv";
  EXPECT_EQ(input_error([&] { read_parallel_tsv(missing); }),
            missing + ": cannot open for reading");
}

TEST(Corpus, TwoFilesMustHaveEqualLineCounts) {
  const std::string src = write_file("a.src", "s1\ns2\ns3\n");
  const std::string tgt = write_file("a.tgt", "t1\nt2\n");
  EXPECT_EQ(input_error([&] { read_parallel_files(src, tgt); }),
            src + ":3: has no partner line: " + tgt + " ends after 2 lines");
  EXPECT_EQ(input_error([&] { read_parallel_files(tgt, src); }),
            src + ":3: has no partner line: " + tgt + " ends after 2 lines");
  const std::string tgt3 = write_file("b.tgt", "t1\n\nt3");  // no final newline
  const ParallelCorpus corpus = read_parallel_files(src, tgt3);
  EXPECT_EQ(corpus.targets, (std::vector<std::string>{"t1", "", "t3"}));
  const std::string empty = write_file("empty.src", "");
  const std::string empty2 = write_file("empty.tgt", "");
  EXPECT_EQ(input_error([&] { read_parallel_files(empty, empty2); }),
            empty + ": empty file, expected sentences");
}

TEST(Corpus, MonolingualKeepsEmptyLines) {
  const std::string path = write_file("mono.txt", "one\n\nthree\n");
  EXPECT_EQ(read_lines(path), (std::vector<std::string>{"one", "", "three"}));
  std::istringstream in("x\ny\xff\n");
  Utf8LineReader reader(in, "stdin");
  std::string line;
  ASSERT_TRUE(reader.next(&line));
  EXPECT_EQ(reader.where(), "stdin:1");
  EXPECT_EQ(input_error([&] { reader.next(&line); }),
            "stdin:2: invalid UTF-8 at byte 2 (0xff); convert the file to UTF-8");
}

}  // namespace
}  // namespace attn
