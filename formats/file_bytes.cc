#include "formats/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "formats/format_error.h"

namespace attn::formats {
namespace {

constexpr std::align_val_t kBufferAlignment{4096};

[[noreturn]] void throw_io(const std::string& path, const std::string& what) {
  throw FormatError(FormatErrorKind::kIo, path, FormatError::kNoOffset,
                    what + ": " + std::strerror(errno));
}

// Closes the descriptor on every path out of open(), the error paths included.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads until end of file, or until `most` bytes; for stdin and pipes, whose size is unknown
// up front.
std::vector<uint8_t> read_all(int fd, const std::string& path, uint64_t most = UINT64_MAX) {
  std::vector<uint8_t> bytes;
  std::size_t used = 0;
  while (used < most) {
    if (bytes.size() - used < 65536) bytes.resize(bytes.size() + (bytes.size() >> 1) + 65536);
    const std::size_t want =
        static_cast<std::size_t>(std::min<uint64_t>(bytes.size() - used, most - used));
    const ssize_t got = ::read(fd, bytes.data() + used, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_io(path, "cannot read");
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  bytes.resize(used);
  return bytes;
}

}  // namespace

FileBytes::~FileBytes() {
  if (mapped_) {
    ::munmap(data_, size_);
  } else {
    ::operator delete(data_, kBufferAlignment);
  }
}

std::shared_ptr<const FileBytes> FileBytes::copy(const void* data, std::size_t size) {
  std::shared_ptr<FileBytes> bytes(new FileBytes());
  // At least one byte so an empty file still has a distinct, freeable buffer.
  bytes->data_ = static_cast<uint8_t*>(::operator new(size > 0 ? size : 1, kBufferAlignment));
  bytes->size_ = size;
  if (size > 0) std::memcpy(bytes->data_, data, size);
  return bytes;
}

std::shared_ptr<const FileBytes> FileBytes::open(const std::string& path) {
  return open(path, 0, nullptr);
}

std::shared_ptr<const FileBytes> FileBytes::open(const std::string& path, std::size_t head,
                                                 const StreamLimit& limit) {
  // A stream: the head first, then no more than it says the file holds (+1, so trailing
  // bytes are still seen), and never more than memory.
  const auto read_stream = [&](int fd, const std::string& name) {
    if (!limit) return read_all(fd, name);
    std::vector<uint8_t> bytes = read_all(fd, name, head);
    const uint64_t declared = limit(bytes.data(), bytes.size());
    const uint64_t memory = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                            static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    if (bytes.size() == head && declared > memory)
      throw FormatError(FormatErrorKind::kLimit, name, FormatError::kNoOffset,
                        "declares more bytes than this machine's memory holds",
                        fmt::format("at most {}", memory), std::to_string(declared));
    if (bytes.size() == head && declared + 1 > head) {
      const std::vector<uint8_t> rest = read_all(fd, name, declared + 1 - head);
      bytes.insert(bytes.end(), rest.begin(), rest.end());
    }
    return bytes;
  };
  if (path == "-") {
    const std::vector<uint8_t> all = read_stream(STDIN_FILENO, "<stdin>");
    return copy(all.data(), all.size());
  }
  Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_io(path, "cannot open");
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw_io(path, "cannot stat");
  if (S_ISDIR(info.st_mode)) {
    errno = EISDIR;
    throw_io(path, "cannot read");
  }
  if (S_ISREG(info.st_mode) && info.st_size > 0) {
    const auto size = static_cast<std::size_t>(info.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (map != MAP_FAILED) {
      std::shared_ptr<FileBytes> bytes(new FileBytes());
      bytes->data_ = static_cast<uint8_t*>(map);
      bytes->size_ = size;
      bytes->mapped_ = true;
      return bytes;
    }
  }
  const std::vector<uint8_t> all = read_stream(fd.get(), path);
  return copy(all.data(), all.size());
}

}  // namespace attn::formats
