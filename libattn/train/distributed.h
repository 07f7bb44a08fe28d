// Data-parallel training across processes: the little the trainer needs of MPI, behind one
// interface with a single-process implementation, so a build without MPI and a run without
// mpirun take the same code path (every collective is then a no-op).
//
//   std::unique_ptr<Distributed> world = start_distributed(&argc, &argv);  // MPI_Init under mpirun
//   require_same_on_every_rank(*world, {{"--train", data_hash}, ...});    // refuse mismatched ranks
//   world->sum(values, n);                      // MPI_Allreduce(SUM) in place
//   sum_gradients(*world, optimizer.parameters());   // bucketed, a few MB a call
//   if (world->rank() == 0) save(...);
//   world->finish(exit_code);                  // MPI_Finalize, or MPI_Abort after a failure
//
// Every rank must make the same collective calls in the same order; the trainer takes its
// decisions (stop, validate, save) from values every rank holds or receives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libattn/autograd/variable.h"

namespace attn {

class Distributed {
 public:
  virtual ~Distributed() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sums over every rank, in place.
  virtual void sum(float* values, int64_t count) = 0;
  virtual void sum(double* values, int64_t count) = 0;
  // True on every rank when `flag` is true on any.
  virtual bool any(bool flag) = 0;
  // Rank 0's value on every rank.
  virtual double broadcast(double value) = 0;
  // Every rank's values (the same count on each), rank 0's first.
  virtual std::vector<uint64_t> gather(const std::vector<uint64_t>& values) = 0;
  // Call once at exit: 0 ends the job cleanly; otherwise the job is aborted, so ranks
  // waiting in a collective for this one do not hang.
  virtual void finish(int exit_code) = 0;
  // Wall time spent inside collectives, waiting for slower ranks included.
  double communication_seconds() const { return communication_seconds_; }

 protected:
  double communication_seconds_ = 0;
};

// One process: rank 0 of 1.
class SingleProcess : public Distributed {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(float*, int64_t) override {}
  void sum(double*, int64_t) override {}
  bool any(bool flag) override { return flag; }
  double broadcast(double value) override { return value; }
  std::vector<uint64_t> gather(const std::vector<uint64_t>& values) override { return values; }
  void finish(int) override {}
};

// The process-wide single-process world, for callers that train in one process.
SingleProcess& single_process();

// MPI when this process was started by mpirun (and the build has MPI), else one process.
// Throws when started by mpirun in a build without MPI: N copies would each train alone.
std::unique_ptr<Distributed> start_distributed(int* argc, char*** argv);

// Sums every parameter's gradient over the ranks, packed into buckets of `bucket_floats`
// (4 MB by default), so small tensors share a call and big ones are split. A parameter
// without a gradient on any rank joins with zeros; one without a gradient on every rank
// stays without, as in one process.
void sum_gradients(Distributed& world, const std::vector<std::pair<std::string, Var>>& parameters,
                   int64_t bucket_floats = int64_t{1} << 20);

// InputError naming the first value (flag, data file, model) in which some rank differs
// from rank 0; `named_values` must list the same names in the same order on every rank.
void require_same_on_every_rank(Distributed& world,
                                const std::vector<std::pair<std::string, std::string>>& named_values);

// The seed of rank `rank`'s own random stream (dropout): rank 0 keeps `seed`, so one process
// draws exactly as it always has; other ranks get well-separated seeds (splitmix64 of both).
uint64_t rank_seed(uint64_t seed, int rank);

}  // namespace attn
