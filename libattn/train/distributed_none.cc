// start_distributed for a build without MPI (CMakeLists.txt picks this file or
// distributed_mpi.cc): one process, and a refusal under mpirun, where each copy would
// otherwise train alone and all of them write the same files.
#include <cstdlib>
#include <string>

#include "libattn/core/error.h"
#include "libattn/train/distributed.h"

namespace attn {

std::unique_ptr<Distributed> start_distributed(int*, char***) {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* size = std::getenv(name);
    if (size && std::string(size) != "1")
      throw Error(fmt::format(
          "started by an MPI launcher with {} processes, but this build has no MPI: install "
          "libopenmpi-dev (make deps) and rebuild, or run one process without mpirun",
          size));
  }
  return std::make_unique<SingleProcess>();
}

}  // namespace attn
