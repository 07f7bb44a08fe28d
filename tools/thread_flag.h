// --threads N as the tools take it: at least 1, at most kMaxThreadFlag or the machine's
// hardware threads, whichever is more.
//
//   set_threads(checked_thread_flag(flags.threads, "attn-decode"));
//
// Hundreds of OpenBLAS threads under a memory limit hang at exit, so a larger N is lowered
// with one warning. Up to 64 is kept even on a smaller machine: results are repeatable per
// thread count, and a run may mean to reproduce one made on a bigger machine.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "libattn/core/error.h"

namespace attn {

inline constexpr int kMaxThreadFlag = 64;

inline int checked_thread_flag(int requested, const char* tool) {
  if (requested < 1) throw InputError(fmt::format("--threads must be at least 1, not {}", requested));
  const int most = std::max(kMaxThreadFlag, static_cast<int>(std::thread::hardware_concurrency()));
  if (requested <= most) return requested;
  fmt::print(stderr, "{}: warning: --threads {} is more than {} (the most, or this machine's "
             "hardware threads); using {}\n", tool, requested, most, most);
  return most;
}

}  // namespace attn
