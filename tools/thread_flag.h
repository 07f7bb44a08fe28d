// --threads N as the tools take it: at least 1, lowered with a warning to at most
// kMaxThreadFlag or the machine's hardware threads, whichever is more; a failure to start the
// threads (a memory limit) is one clear line and exit 1, not a hang.
//
//   apply_thread_flag(flags.threads, "attn-decode");
//
// Hundreds of threads only oversubscribe the cores, and under a memory limit OpenBLAS hangs at
// exit when it cannot start them (--threads 300). Up to 16 are kept even on a smaller
// machine: results are repeatable per thread count, and a run may mean to reproduce one made
// on a bigger machine.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "libattn/core/error.h"
#include "libattn/core/threads.h"

namespace attn {

inline constexpr int kMaxThreadFlag = 16;

inline void apply_thread_flag(int requested, const char* tool) {
  if (requested < 1) throw InputError(fmt::format("--threads must be at least 1, not {}", requested));
  const int most = std::max(kMaxThreadFlag, static_cast<int>(std::thread::hardware_concurrency()));
  if (requested > most) {
    fmt::print(stderr, "{}: warning: --threads {} is more than {} (the most, or this machine's "
               "hardware threads); using {}\n", tool, requested, most, most);
    requested = most;
  }
  try {
    set_threads(requested);
  } catch (const std::system_error& e) {
    // OpenBLAS's threads that could not get their buffers never finish, and its exit handler
    // waits for them: leave without exit handlers (nothing is written yet at this point).
    fmt::print(stderr, "{}: cannot start {} threads ({}): lower --threads or raise the memory "
               "limit\n", tool, requested, e.what());
    std::fflush(nullptr);
    std::_Exit(1);
  }
}

}  // namespace attn
