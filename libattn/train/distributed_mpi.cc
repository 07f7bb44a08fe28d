// The MPI world, built when CMake finds MPI (CMakeLists.txt picks this file or
// distributed_none.cc). Collectives run on MPI_COMM_WORLD with MPI's default handler,
// MPI_ERRORS_ARE_FATAL: a failed call ends the job rather than returning into a trainer
// whose ranks no longer agree. A rank that dies is noticed by mpirun, which stops the others
// within a second or two and names the lost rank.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>

#include "libattn/core/error.h"
#include "libattn/train/distributed.h"

namespace attn {
namespace {

// Set by Open MPI's mpirun (OMPI_*), and by PMIx/PMI launchers (srun, hydra's mpiexec).
bool started_by_mpi_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

class MpiWorld : public Distributed {
 public:
  MpiWorld(int* argc, char*** argv) {
    // Only the main thread calls MPI; our worker threads never do.
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(float* values, int64_t count) override { reduce(values, count, MPI_FLOAT, MPI_SUM); }
  void sum(double* values, int64_t count) override { reduce(values, count, MPI_DOUBLE, MPI_SUM); }
  bool any(bool flag) override {
    int value = flag;
    reduce(&value, 1, MPI_INT, MPI_MAX);
    return value != 0;
  }
  double broadcast(double value) override {
    const Timer timer(this);
    MPI_Bcast(&value, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    return value;
  }
  std::vector<uint64_t> gather(const std::vector<uint64_t>& values) override {
    std::vector<uint64_t> all(values.size() * static_cast<size_t>(size_));
    const Timer timer(this);
    MPI_Allgather(values.data(), static_cast<int>(values.size()), MPI_UINT64_T, all.data(),
                  static_cast<int>(values.size()), MPI_UINT64_T, MPI_COMM_WORLD);
    return all;
  }
  void finish(int exit_code) override {
    if (exit_code == 0) {
      MPI_Finalize();
    } else {
      // This rank failed (its error is already on stderr); the others may be waiting for it
      // inside a collective, where MPI_Finalize would hang them.
      MPI_Abort(MPI_COMM_WORLD, exit_code);
    }
  }

 private:
  struct Timer {
    explicit Timer(MpiWorld* world) : world_(world), start_(std::chrono::steady_clock::now()) {}
    ~Timer() {
      world_->communication_seconds_ +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    MpiWorld* world_;
    std::chrono::steady_clock::time_point start_;
  };

  template <typename T>
  void reduce(T* values, int64_t count, MPI_Datatype type, MPI_Op op) {
    const Timer timer(this);
    while (count > 0) {  // MPI counts are int
      const int part = static_cast<int>(std::min<int64_t>(count, INT_MAX));
      MPI_Allreduce(MPI_IN_PLACE, values, part, type, op, MPI_COMM_WORLD);
      values += part;
      count -= part;
    }
  }

  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<Distributed> start_distributed(int* argc, char*** argv) {
  // Without a launcher, stay one plain process: MPI_Init would start a singleton runtime
  // for nothing (and Open MPI refuses some setups, root among them, that work today).
  if (!started_by_mpi_launcher()) return std::make_unique<SingleProcess>();
  return std::make_unique<MpiWorld>(argc, argv);
}

}  // namespace attn
