#include "formats/output_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "formats/format_error.h"

namespace attn::formats {
namespace {

[[noreturn]] void throw_io(const std::string& path, const std::string& what) {
  throw FormatError(FormatErrorKind::kIo, path, FormatError::kNoOffset,
                    what + ": " + std::strerror(errno));
}

void write_fully(int fd, const void* data, std::size_t size, const std::string& path) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t wrote = ::write(fd, bytes, size);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      throw_io(path, "cannot write");
    }
    bytes += wrote;
    size -= static_cast<std::size_t>(wrote);
  }
}

// Dot-prefixed so globs skip it; unique per process and call so parallel writers never meet.
std::string temporary_path(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return fmt::format("{}.{}.tmp.{}.{}", dir, base, ::getpid(), counter++);
}

// Without it a crash can forget the renamed directory entry.
void sync_directory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_io(dir, "cannot open directory to sync");
  const int synced = ::fsync(fd);
  ::close(fd);
  // Some file systems cannot fsync a directory (EINVAL); the rename has happened regardless.
  if (synced != 0 && errno != EINVAL) throw_io(dir, "cannot sync directory");
}

// Unlinks the temporary file and rethrows with errno as it was when the step failed.
[[noreturn]] void fail_and_remove(const std::string& temporary, const std::string& path,
                                  const std::string& what) {
  const int saved = errno;
  ::unlink(temporary.c_str());
  errno = saved;
  throw_io(path, what);
}

}  // namespace

void write_output(const std::string& path, const ByteEmitter& emit) {
  if (path == "-") {
    emit([](const void* data, std::size_t size) {
      write_fully(STDOUT_FILENO, data, size, "<stdout>");
    });
    return;
  }
  const std::string temporary = temporary_path(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw_io(path, "cannot create the temporary file " + temporary);
  try {
    emit([&](const void* data, std::size_t size) { write_fully(fd, data, size, temporary); });
    if (::fsync(fd) != 0) throw_io(temporary, "cannot sync");
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0) fail_and_remove(temporary, temporary, "cannot close");
  if (::rename(temporary.c_str(), path.c_str()) != 0)
    fail_and_remove(temporary, path, "cannot rename " + temporary + " to it");
  sync_directory(path);
}

std::vector<uint8_t> collect_output(const ByteEmitter& emit) {
  std::vector<uint8_t> bytes;
  emit([&](const void* data, std::size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  });
  return bytes;
}

}  // namespace attn::formats
