// Checkpoint averaging: the mean of each parameter, taken here from the files' raw tensors,
// and refusals for files that do not belong together.
#include "libattn/train/checkpoint_average.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "libattn/core/error.h"
#include "libattn/models/registry.h"
#include "libattn/train/optimizer_io.h"

namespace attn {
namespace {

const std::vector<std::string> kTokens = {"<pad>", "<unk>", "<s>", "</s>", "a", "b", "c"};

class CheckpointAverageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/attn_average_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& path : written_) std::remove(path.c_str());
    rmdir(dir_.c_str());
  }

  // A checkpoint (optimizer moments included) of a fresh model drawn from `seed`.
  std::string checkpoint(const std::string& name, uint64_t seed, int64_t d_model = 8,
                         const std::vector<std::string>& target_tokens = kTokens) {
    ConfigMap config = default_config("transformer", "tiny");
    config["src_vocab"] = std::to_string(kTokens.size());
    config["tgt_vocab"] = std::to_string(target_tokens.size());
    config["d_model"] = std::to_string(d_model);
    config["heads"] = "2";
    config["ffn"] = "16";
    config["encoder_layers"] = config["decoder_layers"] = "1";
    Rng rng(seed);
    ModelBundle bundle;
    bundle.model = create_model("transformer", config, rng);
    bundle.source.vocab = Vocabulary::from_tokens(kTokens);
    bundle.target.vocab = Vocabulary::from_tokens(target_tokens);
    bundle.metadata.provenance.steps = seed * 100;
    Adam optimizer(bundle.model->parameters());
    const std::string path = dir_ + "/" + name;
    save_bundle(path, formats::FileKind::kCheckpoint, bundle, optimizer_tensors(optimizer));
    written_.push_back(path);
    return path;
  }

  std::string dir_;
  std::vector<std::string> written_;
};

TEST_F(CheckpointAverageTest, EveryParameterIsTheMeanOfTheFiles) {
  const std::vector<std::string> paths = {checkpoint("a.attn", 1), checkpoint("b.attn", 2),
                                          checkpoint("c.attn", 3)};
  const ModelBundle average = average_models(paths);
  std::vector<formats::ModelFile> files;
  for (const std::string& path : paths) files.push_back(formats::read_model_file(path));

  const NamedParameters params = average.model->parameters();
  ASSERT_FALSE(params.empty());
  int64_t checked = 0, varied = 0;
  for (const auto& [name, var] : params) {
    const Tensor value = var.value().contiguous();
    std::vector<const float*> inputs;
    for (const formats::ModelFile& file : files)
      inputs.push_back(static_cast<const float*>(file.tensor(name).data));
    for (int64_t k = 0; k < value.numel(); ++k) {
      const double sum = double(inputs[0][k]) + double(inputs[1][k]) + double(inputs[2][k]);
      ASSERT_EQ(value[k], static_cast<float>(sum / 3)) << name << "[" << k << "]";
      varied += inputs[0][k] != inputs[1][k];
      ++checked;
    }
  }
  EXPECT_GT(varied, checked / 2) << "the inputs are too alike for the test to mean anything";
  // The first file's metadata, as it was.
  EXPECT_EQ(average.metadata.provenance.steps, 100u);
  EXPECT_EQ(average.target.vocab.tokens(), kTokens);
}

TEST_F(CheckpointAverageTest, SavedAverageIsADecodeOnlyModel) {
  const ModelBundle average = average_models({checkpoint("a.attn", 1), checkpoint("b.attn", 2)});
  const std::string path = dir_ + "/average.attn";
  save_bundle(path, formats::FileKind::kModel, average);
  written_.push_back(path);
  const formats::ModelFile file = formats::read_model_file(path);
  EXPECT_EQ(file.kind(), formats::FileKind::kModel);
  EXPECT_EQ(file.tensors().size(), average.model->parameters().size());
  for (const formats::TensorEntry& t : file.tensors())
    EXPECT_NE(t.name.rfind("optimizer.", 0), 0u) << t.name;
}

void expect_refused(const std::vector<std::string>& paths, const std::string& message_part) {
  try {
    average_models(paths);
    ADD_FAILURE() << "averaged; expected an error with '" << message_part << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
  }
}

TEST_F(CheckpointAverageTest, RefusesFilesThatDoNotBelongTogether) {
  const std::string a = checkpoint("a.attn", 1);
  expect_refused({a}, "at least two");
  expect_refused({a, checkpoint("wide.attn", 2, 16)}, "config d_model=16, not 8");
  std::vector<std::string> other_tokens = kTokens;
  other_tokens[6] = "z";
  expect_refused({a, checkpoint("z.attn", 2, 8, other_tokens)}, "another target vocabulary");
}

}  // namespace
}  // namespace attn
