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
  explicit LineReader(int fd) : fd_(fd) {}

  // The next line without its newline (a final line without one counts); false at EOF.
  // Like the training corpus reader, drops a "\r" before the newline (CRLF files) and a
  // byte-order mark before the first line, so a line decodes as the same line trained.
  bool next(std::string& line) {
    for (;;) {
      size_t newline = buffer_.find('\n', start_);
      if (newline != std::string::npos) {
        line.assign(buffer_, start_, newline - start_);
        start_ = newline + 1;
        clean(line);
        return true;
      }
      if (eof_) {
        if (start_ >= buffer_.size()) return false;
        line.assign(buffer_, start_, std::string::npos);
        start_ = buffer_.size();
        clean(line);
        return true;
      }
      fill();
    }
  }

  // True when next() would return without blocking.
  bool ready() {
    if (buffer_.find('\n', start_) != std::string::npos || eof_) return true;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    fill();
    return ready_without_poll();
  }

 private:
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
  std::string buffer_;
  size_t start_ = 0;
  bool eof_ = false;
  bool first_line_ = true;
};

}  // namespace attn
