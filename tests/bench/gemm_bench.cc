// Throughput of our matmul op against raw OpenBLAS on the shapes training and decoding use.
//
//   build/gemm_bench --benchmark_min_time=0.2          # every shape, GFLOP/s counters
//   build/gemm_bench --threads=1 --benchmark_filter=linear
//
// Names read gemm/<shape>/<variant>; tests/bench/run.sh pairs variants of one shape:
//   ours        attn::matmul under NoGrad, output from an ArenaScope reset every iteration
//               (what the trainer does), so it pays only for the op's bookkeeping;
//   ours_heap   the same op with its output from the heap each call (aligned_alloc + free
//               + first-touch page faults on large outputs), to show what the arena buys;
//   raw         cblas_sgemm into a buffer allocated once, OpenBLAS with its own threads.
// The linear_train shapes record the op on the tape and run backward (forward + dX + dW,
// three GEMMs), against the same three raw sgemm calls.
//
// Shapes use the legend M rows (B*T = 64*30 = 1920 tokens a batch), K input width,
// N output width; all operands are allocated once, outside the timed loop.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libattn/autograd/matmul.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/arena.h"
#include "libattn/core/rng.h"
#include "libattn/core/tensor.h"
#include "libattn/core/threads.h"

namespace {

using attn::Arena;
using attn::ArenaScope;
using attn::Tensor;
using attn::Var;

constexpr int64_t kTokens = 1920;  // 64 sentences x 30 tokens
constexpr int64_t kWidth = 512;

// Uniform(-1, 1): magnitudes stay small, no denormals, no overflow when gradients
// accumulate over thousands of iterations.
Tensor random_matrix(int64_t rows, int64_t cols, attn::Rng& rng) {
  Tensor t = Tensor::empty_heap({rows, cols});
  float* p = t.data();
  for (int64_t i = 0; i < rows * cols; ++i) p[i] = 2.0f * rng.uniform() - 1.0f;
  return t;
}

void set_gflops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// One product C[m, n] = op(A) op(B) as stored: A is [m, k] or, transposed, [k, m];
// B is [k, n] or, transposed, [n, k].
struct Product {
  int64_t m, n, k;
  bool trans_a, trans_b;
  double flops() const { return 2.0 * m * n * k; }
  attn::Shape a_shape() const { return trans_a ? attn::Shape{k, m} : attn::Shape{m, k}; }
  attn::Shape b_shape() const { return trans_b ? attn::Shape{n, k} : attn::Shape{k, n}; }
};

extern "C" void openblas_set_num_threads(int);

// raw: OpenBLAS with --threads threads of its own, the reference for our split of a product
// across the pool (attn itself runs OpenBLAS single-threaded, core/threads.h).
struct OpenBlasOwnThreads {
  OpenBlasOwnThreads() { openblas_set_num_threads(attn::threads()); }
  ~OpenBlasOwnThreads() { openblas_set_num_threads(1); }
};

void raw_gemm(benchmark::State& state, Product p) {
  OpenBlasOwnThreads blas_threads;
  attn::Rng rng(1);
  Tensor a = random_matrix(p.a_shape()[0], p.a_shape()[1], rng);
  Tensor b = random_matrix(p.b_shape()[0], p.b_shape()[1], rng);
  Tensor c = Tensor::zeros_heap({p.m, p.n});
  const int lda = static_cast<int>(a.dim(1)), ldb = static_cast<int>(b.dim(1));
  auto step = [&] {
    cblas_sgemm(CblasRowMajor, p.trans_a ? CblasTrans : CblasNoTrans,
                p.trans_b ? CblasTrans : CblasNoTrans, p.m, p.n, p.k, 1.0f, a.data(), lda,
                b.data(), ldb, 0.0f, c.data(), static_cast<int>(p.n));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  };
  step();
  for (auto _ : state) step();
  set_gflops(state, p.flops());
}

// Batch-1 decoding's product as a matrix-vector call, the routing attn::gemm takes for M = 1.
void raw_gemv(benchmark::State& state, Product p) {
  OpenBlasOwnThreads blas_threads;
  attn::Rng rng(1);
  Tensor x = random_matrix(1, p.k, rng);
  Tensor w = random_matrix(p.n, p.k, rng);  // [N, K], as a Linear weight
  Tensor y = Tensor::zeros_heap({1, p.n});
  auto step = [&] {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, p.n, p.k, 1.0f, w.data(), p.k, x.data(), 1, 0.0f,
                y.data(), 1);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  };
  step();
  for (auto _ : state) step();
  set_gflops(state, p.flops());
}

void ours_gemm(benchmark::State& state, Product p, bool use_arena) {
  attn::Rng rng(1);
  Var a(random_matrix(p.a_shape()[0], p.a_shape()[1], rng));
  Var b(random_matrix(p.b_shape()[0], p.b_shape()[1], rng));
  attn::NoGrad no_grad;
  Arena arena;
  auto step = [&] {
    ArenaScope scope(use_arena ? &arena : nullptr);
    Var c = attn::matmul(a, b, p.trans_a, p.trans_b);
    benchmark::DoNotOptimize(c.value().data());
    benchmark::ClobberMemory();
    if (use_arena) arena.reset();
  };
  // Two untimed steps, as a trainer's first two: the first takes the arena's blocks and
  // faults them in, the second finds them waiting.
  step();
  step();
  for (auto _ : state) step();
  set_gflops(state, p.flops());
}

// A Linear layer's three products in one training step, x [M, K], w [N, K]:
//   y = x wᵀ [M, N];  dX = dY w  ([M, N] x [N, K]);  dW = dYᵀ x  ([N, M] x [M, K]).
// Ours records y on the tape and runs backward from the scalar 1ᵀ y 1 (so dY = ones),
// reduced with two more matmuls rather than sum(): they stay O(M N) and on the op under
// test, where sum()'s serial double accumulation would add milliseconds of its own.
void ours_linear_train(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  attn::Rng rng(1);
  Var x(random_matrix(m, k, rng), true);
  Var w = Var::parameter(random_matrix(n, k, rng));
  Var ones_rows(Tensor::full({1, m}, 1.0f)), ones_cols(Tensor::full({n, 1}, 1.0f));
  Arena arena;
  auto step = [&] {
    {
      ArenaScope scope(arena);
      Var y = attn::matmul(x, w, false, true);
      attn::tape().backward(attn::matmul(attn::matmul(ones_rows, y), ones_cols));
    }
    benchmark::DoNotOptimize(w.grad().data());
    benchmark::ClobberMemory();
    arena.reset();
  };
  // Two untimed steps, as a trainer's first two: the first takes the arena's blocks and
  // faults them in, the second finds them waiting.
  step();
  step();
  for (auto _ : state) step();
  set_gflops(state, 3 * 2.0 * m * n * k);
}

void raw_linear_train(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  OpenBlasOwnThreads blas_threads;
  attn::Rng rng(1);
  Tensor x = random_matrix(m, k, rng), w = random_matrix(n, k, rng);
  Tensor y = Tensor::zeros_heap({m, n}), dy = Tensor::full({m, n}, 1.0f);
  Tensor dx = Tensor::zeros_heap({m, k}), dw = Tensor::zeros_heap({n, k});
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  auto step = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mi, ni, ki, 1.0f, x.data(), ki,
                w.data(), ki, 0.0f, y.data(), ni);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, mi, ki, ni, 1.0f, dy.data(), ni,
                w.data(), ki, 1.0f, dx.data(), ki);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni, ki, mi, 1.0f, dy.data(), ni,
                x.data(), ki, 1.0f, dw.data(), ki);
    benchmark::DoNotOptimize(dw.data());
    benchmark::ClobberMemory();
  };
  step();
  for (auto _ : state) step();
  set_gflops(state, 3 * 2.0 * m * n * k);
}

void register_product(const std::string& shape, Product p) {
  auto add = [&](const std::string& variant, auto fn) {
    benchmark::RegisterBenchmark(("gemm/" + shape + "/" + variant).c_str(), fn)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  };
  add("ours", [p](benchmark::State& s) { ours_gemm(s, p, true); });
  add("ours_heap", [p](benchmark::State& s) { ours_gemm(s, p, false); });
  add("raw", [p](benchmark::State& s) { raw_gemm(s, p); });
}

void register_all() {
  for (int64_t n : {256, 512, 1024, 2048})
    register_product("square_" + std::to_string(n), {n, n, n, false, false});
  for (int64_t n : {512, 2048, 8000}) {
    const std::string suffix = std::to_string(kTokens) + "x" + std::to_string(n);
    // Forward of a Linear layer, y = x wᵀ: [1920, 512] x [N, 512]ᵀ.
    register_product("linear_" + suffix, {kTokens, n, kWidth, false, true});
    // dX = dY W: [1920, N] x [N, 512].
    register_product("dx_" + suffix, {kTokens, kWidth, n, false, false});
    // dW = dYᵀ X: [N, 1920] x [1920, 512], dY stored [1920, N].
    register_product("dw_" + suffix, {n, kWidth, kTokens, true, false});
    for (const char* variant : {"ours", "raw"}) {
      const bool ours = std::strcmp(variant, "ours") == 0;
      benchmark::RegisterBenchmark(("gemm/linear_train_" + suffix + "/" + variant).c_str(),
                                   [ours, n](benchmark::State& s) {
                                     if (ours) ours_linear_train(s, kTokens, n, kWidth);
                                     else raw_linear_train(s, kTokens, n, kWidth);
                                   })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  // Batch-1 decoding's output projection: [1, 512] x [8000, 512]ᵀ. Ours routes M = 1 to
  // sgemv; raw is what sgemm does with one row; raw_gemv is the BLAS call on its own.
  const Product decode{1, 8000, kWidth, false, true};
  register_product("decode_1x8000", decode);
  benchmark::RegisterBenchmark("gemm/decode_1x8000/raw_gemv",
                               [decode](benchmark::State& s) { raw_gemv(s, decode); })
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  // --threads=N (ours, before Google Benchmark sees the flags): our pool's size, as in the
  // tools, and the threads raw OpenBLAS gets; the default is every core.
  int threads = 0;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) threads = std::atoi(argv[i] + 10);
    else args.push_back(argv[i]);
  }
  int count = static_cast<int>(args.size());
  if (threads > 0) attn::set_threads(threads);
  benchmark::AddCustomContext("threads", threads > 0 ? std::to_string(threads) : "default");
  register_all();
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
