#include <gtest/gtest.h>

#include <cstring>

#include "libattn/core/threads.h"
#include "libattn/models/transformer.h"
#include "libattn/train/train_step.h"

namespace attn {
namespace {

// Trains a small Transformer (dropout on) for a few steps and returns every parameter.
std::vector<std::vector<float>> train_once(int threads) {
  set_threads(threads);
  TransformerConfig config;
  config.src_vocab = config.tgt_vocab = 30;
  config.d_model = 32;
  config.heads = 4;
  config.ffn = 64;
  config.encoder_layers = config.decoder_layers = 2;
  config.dropout = 0.2f;
  Rng rng(9);
  Transformer model(config, rng);
  AdamOptions options;
  Adam adam(model.parameters(), options);
  Arena arena;
  Rng data(4);
  auto ids = [&](int64_t rows, int64_t cols) {
    Tensor t = Tensor::empty({rows, cols}, DType::kI32);
    for (int64_t i = 0; i < rows * cols; ++i) t.ints()[i] = 4 + static_cast<int32_t>(data.below(26));
    return t;
  };
  const LrSchedule schedule{LrScheduleKind::kInverseSqrt, 1e-3f, 4, 0};
  for (int step = 0; step < 4; ++step)
    train_step(model, adam, schedule, ids(16, 11), ids(16, 9), ids(16, 9), {0.1f, 1.0f}, rng, arena);
  std::vector<std::vector<float>> values;
  for (const auto& [name, var] : model.parameters()) values.push_back(var.value().to_vector());
  set_threads(1);
  return values;
}

TEST(Determinism, SameSeedAndThreadsGiveBitIdenticalTraining) {
  for (int threads : {1, 2}) {
    auto first = train_once(threads), second = train_once(threads);
    ASSERT_EQ(first.size(), second.size());
    for (size_t p = 0; p < first.size(); ++p)
      ASSERT_EQ(std::memcmp(first[p].data(), second[p].data(), first[p].size() * 4), 0)
          << "parameter " << p << " differs with " << threads << " threads";
  }
}

}  // namespace
}  // namespace attn
