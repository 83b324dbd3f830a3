#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hitforge::train {
namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

LrDecay parse_lr_decay(const std::string& name) {
  if (name == "exponential") return LrDecay::exponential;
  if (name == "linear") return LrDecay::linear;
  if (name == "cosine") return LrDecay::cosine;
  throw core::UsageError("unknown learning-rate decay '" + name + "' (exponential, linear or cosine)");
}

void NoamSchedule::validate() const {
  for (double r : {init_lr, max_lr, final_lr})
    if (!(std::isfinite(r) && r >= 0))
      throw core::UsageError("learning rates must be finite and >= 0 (--init-lr, --lr, --final-lr)");
  if (!(max_lr > 0)) throw core::UsageError("the peak learning rate (--lr) must be > 0");
  if (decay == LrDecay::exponential && !(final_lr > 0))
    throw core::UsageError("an exponential decay cannot reach --final-lr 0; give a small positive rate or "
                           "--lr-decay linear|cosine");
}

double NoamSchedule::lr(std::int64_t step) const {
  if (step < warmup_steps) return init_lr + (max_lr - init_lr) * static_cast<double>(step) / warmup_steps;
  const std::int64_t decay_steps = std::max<std::int64_t>(1, total_steps - warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - warmup_steps) / decay_steps);
  switch (decay) {
    case LrDecay::linear: return max_lr + (final_lr - max_lr) * t;
    case LrDecay::cosine: return final_lr + 0.5 * (max_lr - final_lr) * (1.0 + std::cos(kPi * t));
    case LrDecay::exponential: break;
  }
  return max_lr * std::pow(final_lr / max_lr, t);
}

}  // namespace hitforge::train
