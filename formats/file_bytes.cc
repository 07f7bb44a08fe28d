#include "formats/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Reads until end of file; for stdin and pipes, whose size is unknown up front.
std::vector<uint8_t> read_all(int fd, const std::string& path) {
  std::vector<uint8_t> bytes;
  std::size_t used = 0;
  for (;;) {
    if (bytes.size() - used < 65536) bytes.resize(bytes.size() + (bytes.size() >> 1) + 65536);
    const ssize_t got = ::read(fd, bytes.data() + used, bytes.size() - used);
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
  if (path == "-") {
    const std::vector<uint8_t> all = read_all(STDIN_FILENO, "<stdin>");
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
  const std::vector<uint8_t> all = read_all(fd.get(), path);
  return copy(all.data(), all.size());
}

}  // namespace attn::formats
