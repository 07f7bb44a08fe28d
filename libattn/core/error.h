// Typed errors. The library throws; only the tools turn an error into one stderr line
// and an exit code (2 = bad usage or input, 1 = anything else).
//
//   throw InputError(fmt::format("{}:{}: expected a tab between source and target", path, line));
//   ATTN_CHECK(a.dim(1) == b.dim(0), "matmul: inner sizes differ: {} vs {}", a.dim(1), b.dim(0));
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace attn {

// A programming or shape error inside the library: a caller broke a documented contract.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bad user input: a file, a line, a flag. Tools exit with code 2.
struct InputError : Error {
  using Error::Error;
};

}  // namespace attn

#define ATTN_CHECK(cond, ...)                                                     \
  do {                                                                            \
    if (!(cond)) throw ::attn::Error(::fmt::format(__VA_ARGS__));                 \
  } while (0)
