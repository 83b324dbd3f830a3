#pragma once
// Noam-style learning-rate schedule (as popularised for molecular property models by chemprop): linear warm-up from
// init_lr to max_lr over `warmup_steps`, then exponential decay from max_lr to final_lr over the remaining steps.
#include <cstdint>

namespace hitforge::train {

struct NoamSchedule {
  double init_lr = 1e-4, max_lr = 1e-3, final_lr = 1e-4;
  std::int64_t warmup_steps = 0, total_steps = 1;
  /// Learning rate for optimizer step `step` (0-based); clamps past the end to final_lr.
  double lr(std::int64_t step) const;
};

}  // namespace hitforge::train
