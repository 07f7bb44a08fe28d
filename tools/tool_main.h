// The tool boundary: the one place an exception becomes one line on stderr and an exit
// code. 2 = bad usage or input (flags, files, model files), 1 = anything else.
//
//   int main(int argc, char** argv) {
//     return attn::run_tool("attn-decode", [&] { return decode_main(argc, argv); });
//   }
#pragma once

#include <boost/program_options/errors.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <new>

#include "formats/format_error.h"
#include "libattn/core/error.h"

namespace attn {

// --version on every tool: the project version CMake passes as ATTN_VERSION.
inline int print_version(const char* name) {
  fmt::print("{} {}\n", name, ATTN_VERSION);
  return 0;
}

inline int run_tool(const char* name, const std::function<int()>& body) {
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
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "{}: out of memory\n", name);
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return 1;
  }
}

}  // namespace attn
