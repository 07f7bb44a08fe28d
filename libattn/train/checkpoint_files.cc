#include "libattn/train/checkpoint_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "libattn/core/error.h"

namespace attn {

namespace {

const std::string kSuffix = ".attn";

// "dir/model.attn" -> "dir/model"; a path without the suffix keeps its name.
std::string stem_of(const std::string& save_path) {
  if (save_path.size() > kSuffix.size() &&
      save_path.compare(save_path.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0)
    return save_path.substr(0, save_path.size() - kSuffix.size());
  return save_path;
}

// "model.step-1200.attn" -> 1200 when the name is this save path's numbered model, else -1.
int64_t step_of(const std::string& file_name, const std::string& stem_name) {
  const std::string prefix = stem_name + ".step-";
  if (file_name.size() <= prefix.size() + kSuffix.size() || file_name.rfind(prefix, 0) != 0 ||
      file_name.compare(file_name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return -1;
  const std::string digits =
      file_name.substr(prefix.size(), file_name.size() - prefix.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(digits);
}

}  // namespace

std::string best_model_path(const std::string& save_path) {
  return stem_of(save_path) + (stem_of(save_path) == save_path ? ".best" : ".best.attn");
}

std::string numbered_model_path(const std::string& save_path, int64_t step) {
  return fmt::format("{}.step-{}{}", stem_of(save_path), step, kSuffix);
}

std::string average_model_path(const std::string& save_path) {
  return stem_of(save_path) + ".average" + kSuffix;
}

std::vector<std::string> numbered_models(const std::string& save_path) {
  const std::filesystem::path stem(stem_of(save_path));
  const std::filesystem::path directory =
      stem.parent_path().empty() ? std::filesystem::path(".") : stem.parent_path();
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const int64_t step = step_of(entry.path().filename().string(), stem.filename().string());
    if (step >= 0) found.emplace_back(step, numbered_model_path(save_path, step));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [step, path] : found) paths.push_back(std::move(path));
  return paths;
}

std::vector<std::string> remove_older_numbered(const std::string& save_path, int64_t keep) {
  std::vector<std::string> paths = numbered_models(save_path);
  std::vector<std::string> removed;
  for (size_t i = 0; i + static_cast<size_t>(std::max<int64_t>(keep, 0)) < paths.size(); ++i) {
    std::error_code error;
    if (!std::filesystem::remove(paths[i], error) && error)
      throw Error(fmt::format("{}: cannot remove: {}", paths[i], error.message()));
    removed.push_back(paths[i]);
  }
  return removed;
}

}  // namespace attn
