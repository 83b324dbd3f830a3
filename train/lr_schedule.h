#pragma once
// Noam-style learning-rate schedule (as popularised for molecular property models by chemprop): linear warm-up from
// init_lr to max_lr over `warmup_steps`, then a decay from max_lr to final_lr over the remaining steps —
// exponential (chemprop's shape, the default), linear, or cosine. Linear and cosine stay above the exponential curve
// to the same floor and may end at 0: an anneal that suits a fixed time budget (a generative prior in 45 minutes).
#include <cstdint>
#include <string>

namespace hitforge::train {

enum class LrDecay { exponential, linear, cosine };

/// "exponential" | "linear" | "cosine"; anything else is a UsageError naming the value.
LrDecay parse_lr_decay(const std::string& name);

struct NoamSchedule {
  double init_lr = 1e-4, max_lr = 1e-3, final_lr = 1e-4;
  std::int64_t warmup_steps = 0, total_steps = 1;
  LrDecay decay = LrDecay::exponential;
  /// Learning rate for optimizer step `step` (0-based); clamps past the end to final_lr.
  double lr(std::int64_t step) const;
  /// UsageError unless every rate is finite and >= 0, the peak > 0, and (exponential decay) final_lr > 0.
  void validate() const;
};

struct TrainOptions;  // train/trainer.h
/// The schedule of a run's options (--init-lr, --lr, --final-lr, --warmup-epochs, --epochs, --lr-decay) for
/// `steps_per_epoch` optimizer steps per epoch — the one place the property, language-model and pair trainers build
/// it. Defined in trainer.cpp.
NoamSchedule make_schedule(const TrainOptions& o, std::int64_t steps_per_epoch);

}  // namespace hitforge::train
