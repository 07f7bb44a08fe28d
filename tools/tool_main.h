// The tool boundary: the one place an exception becomes one line on stderr and an exit
// code. 2 = bad usage or input (flags, files, model files), 1 = anything else (a full disk,
// an I/O error, out of memory, a bug).
//
//   int main(int argc, char** argv) {
//     return attn::run_tool("attn-decode", [&] { return decode_main(argc, argv); });
//   }
#pragma once

#include <boost/program_options/errors.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <new>

#include "formats/format_error.h"
#include "libattn/core/error.h"
#include "libattn/core/memory.h"

namespace attn {

namespace detail {

// stderr through a stream whose writes never fail: with stderr on a full disk or a closed
// pipe a progress line or warning must not end the run (fmt::print throws on a short write,
// and a throw while reporting an error aborts). What cannot be written is dropped.
inline FILE* forgiving_stderr() {
  cookie_io_functions_t io{};
  io.write = [](void*, const char* data, size_t size) -> ssize_t {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(STDERR_FILENO, data + done, size - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(size);
  };
  FILE* stream = ::fopencookie(nullptr, "w", io);
  if (stream != nullptr) std::setvbuf(stream, nullptr, _IONBF, 0);
  return stream;
}

}  // namespace detail

// --version on every tool: the project version CMake passes as ATTN_VERSION.
inline int print_version(const char* name) {
  fmt::print("{} {}\n", name, ATTN_VERSION);
  return 0;
}

inline int run_tool(const char* name, const std::function<int()>& body) {
  keep_freed_memory();  // steady-state steps reuse their buffers instead of faulting them in
  if (FILE* forgiving = detail::forgiving_stderr()) stderr = forgiving;
  try {
    return body();
  } catch (const boost::program_options::error& e) {
    fmt::print(stderr, "{}: {} (see {} --help)\n", name, e.what(), name);
    return 2;
  } catch (const InputError& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return 2;
  } catch (const formats::FormatError& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return e.kind() == formats::FormatErrorKind::kSystem ? 1 : 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "{}: out of memory\n", name);
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return 1;
  }
}

}  // namespace attn
