// Reading text corpora: parallel (TSV or two line-aligned files) for training, and
// monolingual (a file or a stream) for decoding. Lines are raw text, checked for UTF-8;
// the tokenizer comes later.
//
//   ParallelCorpus train = read_parallel_tsv("train.tsv");         // "source<TAB>target"
//   ParallelCorpus dev = read_parallel_files("dev.de", "dev.en");   // line i with line i
//   Utf8LineReader input(std::cin, "stdin");
//   for (std::string line; input.next(&line);) ...                  // input.where() = "stdin:7"
//
// Every error is an InputError of one line naming file and line:
//   "train.tsv:17: expected source<TAB>target, found no tab"
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace attn {

struct ParallelCorpus {
  std::vector<std::string> sources;
  std::vector<std::string> targets;
  int64_t size() const { return static_cast<int64_t>(sources.size()); }
};

// One line at a time from a std::istream, with UTF-8 checked, a trailing "\r" (CRLF files) and a
// leading byte-order mark removed, and the position kept for error messages.
class Utf8LineReader {
 public:
  Utf8LineReader(std::istream& in, std::string name);
  // False at the end of the stream. A final line without "\n" still counts.
  bool next(std::string* line);
  int64_t line_number() const { return line_number_; }  // of the last line read, from 1
  std::string where() const;                            // "name:line"
  const std::string& name() const { return name_; }

 private:
  std::istream& in_;
  std::string name_;
  int64_t line_number_ = 0;
};

// Throws InputError when the file cannot be opened, is empty, or a line has no tab or
// more than one.
ParallelCorpus read_parallel_tsv(const std::string& path);

// Throws InputError when a file cannot be opened, is empty, or the line counts differ
// (naming the first line that has no partner).
ParallelCorpus read_parallel_files(const std::string& source_path, const std::string& target_path);

// Every line of a monolingual file (decode input, references); empty lines are kept,
// since output line i answers input line i. An empty file gives no lines.
std::vector<std::string> read_lines(const std::string& path);

}  // namespace attn
