#include "libattn/train/training_settings.h"

namespace attn {

namespace {

// Every setting with its key, once, for both directions.
template <typename Settings, typename Visit>
void visit_settings(Settings& s, Visit&& visit) {
  visit("step", s.step);
  visit("lr", s.lr);
  visit("warmup", s.warmup);
  visit("beta1", s.beta1);
  visit("beta2", s.beta2);
  visit("eps", s.eps);
  visit("weight_decay", s.weight_decay);
  visit("stalled_validations", s.stalled_validations);
  visit("lr_schedule", s.lr_schedule);
  visit("label_smoothing", s.label_smoothing);
  visit("clip_norm", s.clip_norm);
  visit("batch_tokens", s.batch_tokens);
  visit("max_length", s.max_length);
  visit("max_length_crop", s.max_length_crop);
  visit("accumulate", s.accumulate);
}

double to_number(LrScheduleKind kind) { return static_cast<double>(static_cast<int>(kind)); }
template <typename T>
double to_number(T value) {
  return static_cast<double>(value);
}

struct Writer {
  std::map<std::string, double>& map;
  template <typename T>
  void operator()(const char* key, const T& value) {
    map[key] = to_number(value);
  }
  template <typename T>
  void operator()(const char* key, const std::optional<T>& value) {
    if (value) map[key] = to_number(*value);
  }
};

struct Reader {
  const std::map<std::string, double>& map;
  template <typename T>
  void operator()(const char* key, T& value) {
    if (auto it = map.find(key); it != map.end()) value = static_cast<T>(it->second);
  }
  template <typename T>
  void operator()(const char* key, std::optional<T>& value) {
    if (auto it = map.find(key); it != map.end()) value = static_cast<T>(it->second);
  }
  void operator()(const char* key, std::optional<LrScheduleKind>& value) {
    auto it = map.find(key);
    if (it != map.end() && it->second >= 0 && it->second <= 3)
      value = static_cast<LrScheduleKind>(static_cast<int>(it->second));
  }
};

}  // namespace

std::map<std::string, double> settings_map(const TrainingSettings& settings) {
  std::map<std::string, double> map;
  visit_settings(settings, Writer{map});
  return map;
}

TrainingSettings read_training_settings(const std::map<std::string, double>& map) {
  TrainingSettings settings;
  visit_settings(settings, Reader{map});
  return settings;
}

}  // namespace attn
