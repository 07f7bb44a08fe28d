// Reads lines from a file descriptor and says whether another complete line is ready
// without blocking, so attn-decode can batch what is already there but never waits for
// a mini-batch to fill while a user at the other end of a pipe waits for an answer.
//
//   LineReader in(STDIN_FILENO);
//   std::string line;
//   while (in.next(line)) {                  // blocks for the first line
//     batch.push_back(line);
//     while (batch.size() < n && in.ready() && in.next(line)) batch.push_back(line);
//   }
#pragma once

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "libattn/core/error.h"

namespace attn {

class LineReader {
 public:
  // A line longer than max_line_bytes is not kept: it is read to its end and returned empty,
  // with too_long() set, so one endless line cannot take all memory.
  explicit LineReader(int fd, size_t max_line_bytes = SIZE_MAX)
      : fd_(fd), max_line_bytes_(max_line_bytes) {}

  // The next line without its newline (a final line without one counts); false at EOF.
  // Like the training corpus reader, drops a "\r" before the newline (CRLF files) and a
  // byte-order mark before the first line, so a line decodes as the same line trained.
  bool next(std::string& line) {
    too_long_ = false;
    for (;;) {
      size_t newline = buffer_.find('\n', scanned_);
      if (newline != std::string::npos) {
        line.assign(buffer_, start_, newline - start_);
        start_ = scanned_ = newline + 1;
        finish(line);
        return true;
      }
      if (eof_) {
        if (start_ >= buffer_.size() && !too_long_) return false;
        line.assign(buffer_, start_, std::string::npos);
        start_ = scanned_ = buffer_.size();
        finish(line);
        return true;
      }
      scanned_ = buffer_.size();  // searched already: a long line is not searched again
      if (buffer_.size() - start_ > max_line_bytes_) {
        too_long_ = true;  // drop what there is of it and read on to its end
        buffer_.erase(start_);
        scanned_ = buffer_.size();
      }
      fill();
    }
  }

  // Whether the line next() returned last was longer than max_line_bytes (it came back empty).
  bool too_long() const { return too_long_; }

  // True when next() would return without blocking.
  bool ready() {
    if (buffer_.find('\n', start_) != std::string::npos || eof_) return true;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    fill();
    return ready_without_poll();
  }

 private:
  void finish(std::string& line) {
    if (too_long_) {
      line.clear();
      first_line_ = false;
      return;
    }
    clean(line);
  }

  void clean(std::string& line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first_line_ && line.compare(0, 3, "\xef\xbb\xbf") == 0) line.erase(0, 3);
    first_line_ = false;
  }

  bool ready_without_poll() const {
    return buffer_.find('\n', start_) != std::string::npos || eof_;
  }

  void fill() {
    if (start_ > 0) {
      buffer_.erase(0, start_);
      scanned_ -= start_;
      start_ = 0;
    }
    char chunk[65536];
    ssize_t n;
    do {
      n = ::read(fd_, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw InputError("cannot read input: " + std::string(std::strerror(errno)));
    if (n == 0) eof_ = true;
    buffer_.append(chunk, static_cast<size_t>(n));
  }

  int fd_;
  size_t max_line_bytes_;
  std::string buffer_;
  size_t start_ = 0;
  size_t scanned_ = 0;  // buffer_ holds no newline in [start_, scanned_)
  bool too_long_ = false;
  bool eof_ = false;
  bool first_line_ = true;
};

}  // namespace attn
