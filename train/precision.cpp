#include "train/precision.h"

#include <ATen/autocast_mode.h>

#include "core/error.h"

namespace hitforge::train {
using core::str_cat;

Precision parse_precision(const std::string& text) {
  if (text == "fp32") return Precision::fp32;
  if (text == "bf16") return Precision::bf16;
  throw core::UsageError(str_cat("unknown precision '", text, "' (known: fp32, bf16)"));
}

AutocastScope::AutocastScope(bool on) : on_(on && !at::autocast::is_cpu_enabled()) {
  if (on_) at::autocast::set_cpu_enabled(true);
}

AutocastScope::~AutocastScope() {
  if (!on_) return;
  at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(false);
}

}  // namespace hitforge::train
