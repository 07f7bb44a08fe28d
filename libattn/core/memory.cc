#include "libattn/core/memory.h"

#include <malloc.h>
#include <sys/resource.h>

namespace attn {

void keep_freed_memory() {
  // Blocks up to 32 MiB (the most glibc allows here) come from the heap, and up to 1 GiB
  // free at the heap's top is kept rather than trimmed. Larger blocks (a training step's
  // arena) are taken once and kept by their owners.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int64_t minor_page_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

}  // namespace attn
