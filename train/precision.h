#pragma once
// Arithmetic precision of matrix products, shared by inference (predict) and language-model training.
#include <string>

namespace hitforge::train {

/// bf16: matrix products in bfloat16 through torch's CPU autocast (oneDNN; AVX512_BF16 or AMX), everything else —
/// weights, optimizer state, cell states, losses — in fp32. For inference, predictions differ from fp32 by about 1%
/// of their spread (for ranking large libraries, not for reporting values); for language-model training, the fp32
/// master weights get bf16-product gradients (standard mixed precision; measured in docs/benchmarks.md).
enum class Precision { fp32, bf16 };
Precision parse_precision(const std::string& text);  ///< "fp32" | "bf16"; UsageError otherwise

/// CPU autocast (bfloat16, its default lower-precision type) for the lifetime of the object when `on`; a no-op when
/// off or when autocast is already enabled by an outer scope. Clears the weight-cast cache on exit, so the next scope
/// sees updated weights.
class AutocastScope {
 public:
  explicit AutocastScope(bool on);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool on_;
};

}  // namespace hitforge::train
