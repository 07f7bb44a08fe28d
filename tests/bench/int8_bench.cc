// The int8 GEMM against the alternatives, on the products decoding makes (issue 11):
// M = 1 (greedy, batch 1), 5 (beam 5), 32 (greedy, batch 32), 160 (beam 5, batch 32) rows
// against Linear weights [N, K] of the small/base Transformers and a 32000-word output layer.
//
//   build/int8_bench --benchmark_min_time=0.2                 # one thread
//   OMP_NUM_THREADS=1 build/int8_bench --benchmark_filter=/160/
//
// Names read int8/M/K/N/<variant>:
//   fp32      attn::gemm (what decoding runs today: sgemv at M = 1, our small-rows loop up to
//             M = 8, OpenBLAS sgemm above), A [M, K] x W^T;
//   ours      matmul_int8: A quantized per row, then our kernel (the CPU's best: AVX-512
//             VNNI or AVX2), fp32 out: everything an int8 Linear pays;
//   ours_gemm gemm_int8 alone, A already int8;
//   onednn    dnnl_gemm_s8s8s32 on the same int8 A and W (only when built with libdnnl-dev),
//             plus the fp32 rescale of its int32 C; one OpenMP thread (OMP_NUM_THREADS=1).
// Everything is single-threaded: the kernels are compared, not the thread pools.
#include <benchmark/benchmark.h>

#include <vector>

#include "libattn/core/rng.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/gemm.h"
#include "libattn/kernels/gemm_int8.h"
#include "libattn/kernels/quantize.h"

#ifdef ATTN_HAVE_DNNL
#include <dnnl.h>
#endif

namespace {

struct Operands {
  int64_t m, k, n;
  std::vector<float> a, w, c;
  attn::Int8Matrix wq;
  std::vector<int8_t> aq;  // [m, wq.stride]
  std::vector<float> a_scales;
  Operands(int64_t m_, int64_t k_, int64_t n_) : m(m_), k(k_), n(n_) {
    attn::Rng rng(7);
    a.resize(m * k);
    w.resize(n * k);
    c.resize(m * n);
    for (auto& x : a) x = 2.0f * rng.uniform() - 1.0f;
    for (auto& x : w) x = 0.1f * (2.0f * rng.uniform() - 1.0f);
    wq = attn::quantize_matrix(w.data(), n, k, k);
    aq.assign(m * wq.stride, 0);
    a_scales.resize(m);
    attn::quantize_rows(a.data(), m, k, k, aq.data(), wq.stride, a_scales.data());
  }
};

void set_counters(benchmark::State& state, const Operands& o) {
  state.counters["GOP/s"] = benchmark::Counter(2.0 * o.m * o.n * o.k * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

void fp32(benchmark::State& state, int64_t m, int64_t k, int64_t n) {
  attn::set_threads(1);
  Operands o(m, k, n);
  for (auto _ : state) {
    attn::gemm(false, true, m, n, k, 1.0f, o.a.data(), k, o.w.data(), k, 0.0f, o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_counters(state, o);
}

void ours(benchmark::State& state, int64_t m, int64_t k, int64_t n) {
  attn::set_threads(1);
  Operands o(m, k, n);
  for (auto _ : state) {
    attn::matmul_int8(m, o.a.data(), k, o.wq, o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_counters(state, o);
  state.SetLabel(attn::int8_kernel_name(attn::int8_kernel()));
}

void ours_gemm(benchmark::State& state, int64_t m, int64_t k, int64_t n) {
  attn::set_threads(1);
  Operands o(m, k, n);
  for (auto _ : state) {
    attn::gemm_int8(m, o.aq.data(), o.a_scales.data(), o.wq, o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_counters(state, o);
}

#ifdef ATTN_HAVE_DNNL
void onednn(benchmark::State& state, int64_t m, int64_t k, int64_t n) {
  Operands o(m, k, n);
  std::vector<int32_t> c32(m * n);
  const int32_t zero = 0;
  for (auto _ : state) {
    dnnl_gemm_s8s8s32('N', 'T', 'F', m, n, k, 1.0f, o.aq.data(), o.wq.stride, 0,
                      o.wq.values.data(), o.wq.stride, 0, 0.0f, c32.data(), n, &zero);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        o.c[i * n + j] = static_cast<float>(c32[i * n + j]) * o.a_scales[i] * o.wq.scales[j];
    benchmark::DoNotOptimize(o.c.data());
  }
  set_counters(state, o);
}
#endif

void register_all() {
  // (K, N): attention projections and FFN of small (256/1024) and base (512/2048), the
  // output layer over 32000 words.
  const std::vector<std::pair<int64_t, int64_t>> layers = {
      {256, 256}, {256, 1024}, {512, 512}, {512, 2048}, {2048, 512}, {512, 32000}};
  for (int64_t m : {1, 5, 32, 160})
    for (auto [k, n] : layers) {
      const std::string name = "int8/" + std::to_string(m) + "/" + std::to_string(k) + "/" +
                               std::to_string(n) + "/";
      benchmark::RegisterBenchmark((name + "fp32").c_str(), fp32, m, k, n);
      benchmark::RegisterBenchmark((name + "ours").c_str(), ours, m, k, n);
      benchmark::RegisterBenchmark((name + "ours_gemm").c_str(), ours_gemm, m, k, n);
#ifdef ATTN_HAVE_DNNL
      benchmark::RegisterBenchmark((name + "onednn").c_str(), onednn, m, k, n);
#endif
    }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
