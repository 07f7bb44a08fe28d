#include "formats/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

#include "formats/format_error.h"

namespace attn::formats {
namespace {

// A full disk or a failing device is the system's fault (exit 1); a path that cannot take
// the file is the user's (exit 2).
[[noreturn]] void throw_io(const std::string& path, const std::string& what) {
  const bool system = errno == ENOSPC || errno == EDQUOT || errno == EIO || errno == EFBIG ||
                      errno == ENOMEM;
  throw FormatError(system ? FormatErrorKind::kSystem : FormatErrorKind::kIo, path,
                    FormatError::kNoOffset, what + ": " + std::strerror(errno));
}

[[noreturn]] void refuse(const std::string& path, const std::string& problem) {
  throw FormatError(FormatErrorKind::kIo, path, FormatError::kNoOffset, problem);
}

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// "dir/name" -> "dir/", "name" -> "".
std::string directory_prefix(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

std::string directory_of(const std::string& path) {
  const std::string prefix = directory_prefix(path);
  return prefix.empty() ? "." : prefix;
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

// ".NAME.tmp.PID.N" (temporary_path) -> PID; 0 for any other name.
pid_t temporary_owner(const std::string& name) {
  const std::size_t tmp = name.rfind(".tmp.");
  if (name.empty() || name[0] != '.' || tmp == std::string::npos || tmp == 0) return 0;
  const std::size_t dot = name.find('.', tmp + 5);
  const auto all_digits = [&](std::size_t from, std::size_t to) {
    return from < to && to - from < 10 &&
           name.find_first_not_of("0123456789", from) >= to;
  };
  if (dot == std::string::npos || !all_digits(tmp + 5, dot) || !all_digits(dot + 1, name.size()))
    return 0;
  return static_cast<pid_t>(std::stol(name.substr(tmp + 5, dot - tmp - 5)));
}

// A writer killed mid-save (SIGKILL, power loss) leaves its temporary file; the next save
// into the directory removes those whose process is gone. (Process ids are this machine's:
// a writer on another host sharing the directory over NFS would look dead.)
void remove_stale_temporaries(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> listing(::opendir(dir.c_str()), ::closedir);
  if (!listing) return;  // the open of the temporary file will say what is wrong
  const std::string prefix = dir == "." ? "" : dir;
  while (const dirent* entry = ::readdir(listing.get())) {
    const pid_t owner = temporary_owner(entry->d_name);
    if (owner <= 0 || owner == ::getpid()) continue;
    if (::kill(owner, 0) == 0 || errno != ESRCH) continue;
    const std::string name = prefix + entry->d_name;
    struct stat info {};
    if (::lstat(name.c_str(), &info) == 0 && S_ISREG(info.st_mode)) ::unlink(name.c_str());
  }
}

// Without it a crash can forget the renamed directory entry.
void sync_directory(const std::string& path) {
  const std::string dir = directory_of(path);
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

std::string resolve_output_path(const std::string& path) {
  std::string resolved = path;
  for (int hops = 0;; ++hops) {
    struct stat info {};
    if (::lstat(resolved.c_str(), &info) != 0) {
      if (errno == ENOENT) return resolved;  // a new file (or a missing directory, found later)
      throw_io(path, "cannot stat " + resolved);
    }
    if (S_ISREG(info.st_mode)) return resolved;
    if (!S_ISLNK(info.st_mode))
      refuse(path, fmt::format("{}{}: attn saves only to regular files, and would not replace it",
                               resolved == path ? "" : resolved + " is ",
                               file_type_name(info.st_mode)));
    if (hops == 40) {
      errno = ELOOP;
      throw_io(path, "cannot follow the link");
    }
    std::string target(static_cast<std::size_t>(info.st_size > 0 ? info.st_size : 4096) + 1, '\0');
    const ssize_t n = ::readlink(resolved.c_str(), target.data(), target.size());
    if (n <= 0) throw_io(path, "cannot read the link " + resolved);
    target.resize(static_cast<std::size_t>(n));
    resolved = target.front() == '/' ? target : directory_prefix(resolved) + target;
  }
}

void refuse_output_over_inputs(const NamedPath& output, const std::vector<NamedPath>& inputs) {
  // Device and inode of a regular file (links followed), or nothing.
  const auto identity = [](const std::string& path, int dash_fd, struct stat& info) {
    const int got = path == "-" ? ::fstat(dash_fd, &info) : ::stat(path.c_str(), &info);
    return got == 0 && S_ISREG(info.st_mode);
  };
  struct stat out {};
  if (!identity(output.second, STDOUT_FILENO, out)) return;
  for (const NamedPath& input : inputs) {
    struct stat in {};
    if (input.second.empty() || !identity(input.second, STDIN_FILENO, in)) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino)
      refuse(output.second == "-" ? "<stdout>" : output.second,
             fmt::format("{} is the same file as {} {}: refusing to write over an input",
                         output.first, input.first, input.second == "-" ? "<stdin>" : input.second));
  }
}

void write_output(const std::string& requested, const ByteEmitter& emit) {
  if (requested == "-") {
    emit([](const void* data, std::size_t size) {
      write_fully(STDOUT_FILENO, data, size, "<stdout>");
    });
    return;
  }
  // Through a symlink to its target, so the link survives; errors name what the user typed.
  const std::string& path = requested;
  const std::string target = resolve_output_path(requested);
  remove_stale_temporaries(directory_of(target));
  const std::string temporary = temporary_path(target);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw_io(path, "cannot write the temporary file " + temporary);
  // A replaced file keeps its permissions (a model made private stays private).
  struct stat old {};
  if (::stat(target.c_str(), &old) == 0) (void)::fchmod(fd, old.st_mode & 07777);
  try {
    emit([&](const void* data, std::size_t size) { write_fully(fd, data, size, path); });
    if (::fsync(fd) != 0) throw_io(path, "cannot sync");
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0) fail_and_remove(temporary, temporary, "cannot close");
  if (::rename(temporary.c_str(), target.c_str()) != 0)
    fail_and_remove(temporary, path, "cannot rename " + temporary + " to " + target);
  sync_directory(target);
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
