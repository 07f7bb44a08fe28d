// How the process takes memory from the kernel.
//
//   keep_freed_memory();                    // once, at start-up (every tool does)
//   const int64_t before = minor_page_faults();
//   ... steps ...                           // benchmarks report the faults a step
//
// Decoding and training free and take back buffers of the same sizes every step. By
// default glibc serves large blocks with mmap and returns them with munmap on free (and
// trims the heap's top), so the next step faults them in again and the kernel zeroes every
// page: 1,500 faults a decoding step at beam 5 x 32, nearly half the run time.
#pragma once

#include <cstdint>

namespace attn {

// Freed memory stays in the process for the next step: blocks up to 32 MiB from the heap,
// and the heap not trimmed.
void keep_freed_memory();

// Minor page faults of this process so far.
int64_t minor_page_faults();

}  // namespace attn
