#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace hitforge::train {

double NoamSchedule::lr(std::int64_t step) const {
  if (step < warmup_steps) return init_lr + (max_lr - init_lr) * static_cast<double>(step) / warmup_steps;
  const std::int64_t decay_steps = std::max<std::int64_t>(1, total_steps - warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - warmup_steps) / decay_steps);
  return max_lr * std::pow(final_lr / max_lr, t);
}

}  // namespace hitforge::train
