// An exponential moving average of the parameters (Marian's --exponential-smoothing; Polyak
// averaging): a smoother model than the last step's, often better to decode with. After
// step t the average moves toward the parameters by max(factor, 9 / (t + 10)), Marian's
// warm start, so early averages are not dominated by the random initialisation.
//
//   ExponentialAverage average(model.parameters(), 1e-4);
//   ... optimizer step ...; average.update(step);
//   { AverageSwap in(average); validate(); save(); }     // the averages, then back
//   save_bundle(path, kCheckpoint, bundle, average.tensors());   // as "ema.<name>"
#pragma once

#include <cstdint>
#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"
#include "libattn/nn/parameters.h"

namespace attn {

class ExponentialAverage {
 public:
  // Starts at the parameters' current values.
  ExponentialAverage(const NamedParameters& params, double factor);

  void update(int64_t step);
  // Exchanges the averages and the parameters' values (twice: back as they were).
  void swap();
  // Views of the averages as "ema.<parameter name>"; they must outlive the write.
  std::vector<formats::TensorToWrite> tensors() const;
  // Takes the averages from a checkpoint; false (averages untouched) when it has none.
  bool load(const formats::ModelFile& file);

 private:
  NamedParameters params_;
  std::vector<Tensor> averages_;
  double factor_;
};

// The averages in the parameters for one scope.
class AverageSwap {
 public:
  explicit AverageSwap(ExponentialAverage* average) : average_(average) {
    if (average_) average_->swap();
  }
  ~AverageSwap() {
    if (average_) average_->swap();
  }
  AverageSwap(const AverageSwap&) = delete;
  AverageSwap& operator=(const AverageSwap&) = delete;

 private:
  ExponentialAverage* average_;
};

}  // namespace attn
