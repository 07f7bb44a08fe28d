#include "libattn/train/checkpoint_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace attn {
namespace {

namespace fs = std::filesystem;

class CheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("attn_checkpoint_files_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void touch(const std::string& name) { std::ofstream(dir_ / name) << "x"; }
  std::string save() const { return (dir_ / "model.attn").string(); }
  fs::path dir_;
};

TEST_F(CheckpointFiles, NamesDeriveFromTheSavePath) {
  EXPECT_EQ(best_model_path("run/model.attn"), "run/model.best.attn");
  EXPECT_EQ(best_model_path("model"), "model.best");
  EXPECT_EQ(numbered_model_path("run/model.attn", 1200), "run/model.step-1200.attn");
  EXPECT_EQ(average_model_path("run/model.attn"), "run/model.average.attn");
}

TEST_F(CheckpointFiles, FindsOnlyThisRunsNumberedModelsInStepOrder) {
  for (const char* name : {"model.step-100.attn", "model.step-20.attn", "model.step-3.attn",
                           "other.step-50.attn", "model.step-x.attn", "model.step-.attn",
                           "model.best.attn", "model.step-7.attn.tmp"})
    touch(name);
  const std::vector<std::string> found = numbered_models(save());
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0], numbered_model_path(save(), 3));
  EXPECT_EQ(found[1], numbered_model_path(save(), 20));
  EXPECT_EQ(found[2], numbered_model_path(save(), 100));
}

TEST_F(CheckpointFiles, RemovesAllButTheNewest) {
  for (int step : {5, 10, 15, 20}) touch("model.step-" + std::to_string(step) + ".attn");
  touch("other.step-1.attn");
  const std::vector<std::string> removed = remove_older_numbered(save(), 2);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0], numbered_model_path(save(), 5));
  EXPECT_EQ(removed[1], numbered_model_path(save(), 10));
  EXPECT_FALSE(fs::exists(numbered_model_path(save(), 10)));
  EXPECT_TRUE(fs::exists(numbered_model_path(save(), 15)));
  EXPECT_TRUE(fs::exists(numbered_model_path(save(), 20)));
  EXPECT_TRUE(fs::exists(dir_ / "other.step-1.attn"));
  EXPECT_TRUE(remove_older_numbered(save(), 5).empty());
}

}  // namespace
}  // namespace attn
