#include "libattn/data/corpus.h"

#include <sys/stat.h>

#include <fstream>

#include "libattn/core/error.h"
#include "libattn/data/utf8.h"

namespace attn {
namespace {

constexpr std::string_view kByteOrderMark = "\xef\xbb\xbf";

std::ifstream open_input(const std::string& path) {
  // An ifstream opens a directory and reads it as empty.
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    throw InputError(fmt::format("{}: is a directory, expected a file of sentences", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open for reading", path));
  return in;
}

}  // namespace

Utf8LineReader::Utf8LineReader(std::istream& in, std::string name)
    : in_(in), name_(std::move(name)) {}

bool Utf8LineReader::next(std::string* line) {
  if (!std::getline(in_, *line)) return false;
  ++line_number_;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  if (line_number_ == 1 && std::string_view(*line).substr(0, 3) == kByteOrderMark) {
    line->erase(0, kByteOrderMark.size());
  }
  check_utf8(*line, where());
  return true;
}

std::string Utf8LineReader::where() const { return fmt::format("{}:{}", name_, line_number_); }

ParallelCorpus read_parallel_tsv(const std::string& path) {
  std::ifstream in = open_input(path);
  Utf8LineReader reader(in, path);
  ParallelCorpus corpus;
  for (std::string line; reader.next(&line);) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      throw InputError(fmt::format("{}: expected source<TAB>target, found no tab", reader.where()));
    }
    if (line.find('\t', tab + 1) != std::string::npos) {
      throw InputError(
          fmt::format("{}: expected source<TAB>target, found more than one tab", reader.where()));
    }
    corpus.sources.push_back(line.substr(0, tab));
    corpus.targets.push_back(line.substr(tab + 1));
  }
  if (corpus.size() == 0)
    throw InputError(fmt::format("{}: empty file, expected sentence pairs", path));
  return corpus;
}

ParallelCorpus read_parallel_files(const std::string& source_path, const std::string& target_path) {
  std::ifstream source_in = open_input(source_path);
  std::ifstream target_in = open_input(target_path);
  Utf8LineReader sources(source_in, source_path);
  Utf8LineReader targets(target_in, target_path);
  ParallelCorpus corpus;
  std::string source, target;
  for (;;) {
    const bool has_source = sources.next(&source);
    const bool has_target = targets.next(&target);
    if (!has_source && !has_target) break;
    if (has_source != has_target) {
      const Utf8LineReader& longer = has_source ? sources : targets;
      const Utf8LineReader& shorter = has_source ? targets : sources;
      throw InputError(fmt::format("{}: has no partner line: {} ends after {} lines",
                                   longer.where(), shorter.name(), shorter.line_number()));
    }
    corpus.sources.push_back(std::move(source));
    corpus.targets.push_back(std::move(target));
  }
  if (corpus.size() == 0) {
    throw InputError(fmt::format("{}: empty file, expected sentences", source_path));
  }
  return corpus;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in = open_input(path);
  Utf8LineReader reader(in, path);
  std::vector<std::string> lines;
  for (std::string line; reader.next(&line);) lines.push_back(std::move(line));
  return lines;
}

}  // namespace attn
