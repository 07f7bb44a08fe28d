// End-to-end check of the op set and the optimizer: one attention layer learns to copy.
//
// The model attends from target position t to source position s with query and key built
// from learned position embeddings only, and reads the source token's embedding as the value,
// so copying needs exactly the attention pattern t -> s = t plus a readout from the value.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "libattn/autograd/attention.h"
#include "libattn/autograd/cross_entropy.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/rng.h"
#include "libattn/train/optimizer.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 8, kLength = 5, kWidth = 16, kBatch = 32;

struct CopyModel {
  Var query_positions, key_positions, token_embedding, output;

  explicit CopyModel(Rng& rng)
      : query_positions(
            Var::parameter(testing::random_tensor({kLength, kWidth}, rng, -0.5f, 0.5f))),
        key_positions(Var::parameter(testing::random_tensor({kLength, kWidth}, rng, -0.5f, 0.5f))),
        token_embedding(Var::parameter(testing::random_tensor({kVocab, kWidth}, rng, -0.5f, 0.5f))),
        output(Var::parameter(testing::random_tensor({kVocab, kWidth}, rng, -0.5f, 0.5f))) {}

  std::vector<std::pair<std::string, Var>> parameters() const {
    return {{"query_positions", query_positions},
            {"key_positions", key_positions},
            {"token_embedding", token_embedding},
            {"output", output}};
  }

  // source int32 [B, 1, S]; the target is the source itself.
  CrossEntropyResult loss(const Tensor& source) const {
    const int64_t batch = source.dim(0);
    Tensor positions = Tensor::empty({batch, 1, kLength}, DType::kI32);
    for (int64_t i = 0; i < positions.numel(); ++i) positions.ints()[i] = int32_t(i % kLength);
    Var q = embedding(query_positions, positions);  // [B, 1, T, D]
    Var k = embedding(key_positions, positions);    // [B, 1, S, D]
    Var v = embedding(token_embedding, source);     // [B, 1, S, D]
    Var read = scaled_dot_product_attention(q, k, v, Tensor(), 1.0f / std::sqrt(float(kWidth)));
    Var logits = matmul(read, output, false, true);  // [B, 1, T, V]
    return cross_entropy(logits, source);
  }
};

Tensor random_sequences(int64_t batch, Rng& rng) {
  Tensor source = Tensor::empty({batch, 1, kLength}, DType::kI32);
  for (int64_t i = 0; i < source.numel(); ++i) source.ints()[i] = int32_t(rng.below(kVocab));
  return source;
}

TEST(Autograd, SingleLayerAttentionLearnsToCopy) {
  Rng rng(17);
  CopyModel model(rng);
  Adam adam(model.parameters());
  for (int step = 0; step < 300; ++step) {
    adam.zero_grad();
    CrossEntropyResult r = model.loss(random_sequences(kBatch, rng));
    tape().backward(r.loss);
    adam.step(0.03f);
  }
  NoGrad no_grad;
  CrossEntropyResult held_out = model.loss(random_sequences(400, rng));
  const double accuracy = double(held_out.correct) / double(held_out.tokens);
  EXPECT_EQ(held_out.tokens, 400 * kLength);
  EXPECT_GE(accuracy, 0.95) << "loss " << held_out.loss.value().item();
}

}  // namespace
}  // namespace attn
