#pragma once
// Evaluation metrics for property prediction and drug–target affinity: regression (rmse, mse, mae, r2, pearson,
// spearman, ci, rm2) and binary classification (roc_auc, prc_auc, accuracy, mcc), single- and multi-task.
// Plain C++ (no LibTorch): callers copy tensors out with `.contiguous().data_ptr<float>()` and wrap them in Values.
//
// Conventions shared by every function here:
//   * Missing labels: a NaN target skips that (prediction, target) pair. Datasets store missing labels as NaN
//     (data::Dataset::targets); apply_mask() turns a separate 0/1 mask into that form.
//   * A NaN *prediction* paired with a present target is never skipped: the metric is NaN, so a model that emits
//     NaN cannot look good.
//   * Undefined values are NaN, never an exception: no labelled pairs; a single class (roc_auc, prc_auc, mcc);
//     constant targets (r2, pearson, spearman); no pair with different targets (ci). Multi-task means skip NaN tasks.
//   * Mismatched lengths, and classification targets other than 0/1, are UsageErrors.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::train {

/// Read-only, non-owning view of n numbers stored as double or float, optionally strided (a column of a row-major
/// [rows, cols] matrix: Values(data + col, rows, cols)). Keep the underlying storage alive while the view is used.
class Values {
 public:
  Values(const std::vector<double>& v) : d_(v.data()), n_(v.size()) {}  // NOLINT(google-explicit-constructor)
  Values(const std::vector<float>& v) : f_(v.data()), n_(v.size()) {}   // NOLINT(google-explicit-constructor)
  Values(const double* data, std::size_t n, std::size_t stride = 1) : d_(data), n_(n), stride_(stride) {}
  Values(const float* data, std::size_t n, std::size_t stride = 1) : f_(data), n_(n), stride_(stride) {}

  std::size_t size() const { return n_; }
  double operator[](std::size_t i) const { return d_ ? d_[i * stride_] : static_cast<double>(f_[i * stride_]); }
  /// Column `col` of this view read as a row-major [size() / n_cols, n_cols] matrix.
  Values column(std::size_t col, std::size_t n_cols) const {
    Values v = *this;
    if (d_)
      v.d_ += col * stride_;
    else
      v.f_ += col * stride_;
    v.n_ = n_ / n_cols;
    v.stride_ = stride_ * n_cols;
    return v;
  }

 private:
  const double* d_ = nullptr;
  const float* f_ = nullptr;
  std::size_t n_ = 0;
  std::size_t stride_ = 1;
};

enum class TaskType { regression, classification };
/// "regression" | "classification" (the strings data::Dataset::task_types() holds). UsageError otherwise.
TaskType parse_task_type(std::string_view name);
std::string task_type_name(TaskType type);

/// Metric name → value. Keys are the lowercase names below (also used by datasets/registry).
using MetricSet = std::map<std::string, double>;

// ---- Regression: predictions and targets in the same units. ----
double rmse(Values preds, Values targets);
double mse(Values preds, Values targets);
double mae(Values preds, Values targets);
/// Coefficient of determination 1 − SS_res / SS_tot. NaN when the targets are constant (incl. one sample); note
/// sklearn's r2_score returns 1.0 or 0.0 there instead.
double r2(Values preds, Values targets);
/// Pearson correlation. NaN when either side is constant or fewer than 2 pairs.
double pearson(Values preds, Values targets);
/// Spearman rank correlation: Pearson correlation of average ranks (ties share the mean of their ranks, as in
/// scipy.stats.spearmanr). NaN when either side is constant or fewer than 2 pairs.
double spearman(Values preds, Values targets);
/// Harrell's concordance index as used by DeepDTA: over pairs (i, j) with targets[i] > targets[j], the fraction
/// with preds[i] > preds[j], counting tied predictions as 0.5. Pairs with equal targets are skipped; NaN when no
/// pair has different targets. O(n log n).
double concordance_index(Values preds, Values targets);
/// r_m² of Roy et al. (core/rm2.h: r²·(1 − √|r² − r0²|)), the third DTA metric next to MSE and CI. NaN when
/// undefined (fewer than 2 pairs, constant targets or predictions).
double rm2(Values preds, Values targets);

// ---- Binary classification: preds are scores or probabilities of class 1, targets are 0/1 (NaN = missing). ----
/// Area under the ROC curve via average ranks (Mann–Whitney U), which equals the trapezoidal area with tied scores
/// forming one diagonal step (sklearn's roc_auc_score). NaN unless both classes are present.
double roc_auc(Values preds, Values targets);
/// Average precision, sklearn's average_precision_score: Σ_k (R_k − R_{k−1}) · P_k over the distinct score
/// thresholds in decreasing order (tied scores form one threshold), no interpolation. NaN unless both classes are
/// present (with no negatives AP would be trivially 1; NaN keeps it in line with roc_auc for multi-task means).
double pr_auc(Values preds, Values targets);
/// Fraction of correct hard predictions, class 1 when pred > threshold (strictly, like chemprop and sklearn's
/// predict for probabilities). NaN when no labelled pairs; defined for a single class.
double accuracy(Values preds, Values targets, double threshold = 0.5);
/// Matthews correlation coefficient of hard predictions (pred > threshold). NaN unless both classes are present in
/// the targets; 0 when all predictions fall in one class (sklearn's convention for a zero denominator).
double mcc(Values preds, Values targets, double threshold = 0.5);

// ---- By name ----
/// Names compute_metrics() returns for a task type, primary metric first:
///   regression:     rmse, mse, mae, r2, pearson, spearman, ci, rm2
///   classification: roc_auc, prc_auc, accuracy, mcc
const std::vector<std::string>& metric_names(TaskType type);
/// All metrics of that task type (see metric_names).
MetricSet compute_metrics(TaskType type, Values preds, Values targets);
/// One metric by name (any name from metric_names, plus the alias "pr_auc" = "prc_auc"). UsageError listing the
/// names for an unknown one.
double compute_metric(std::string_view name, Values preds, Values targets);
/// Direction for early stopping and model selection: true for roc_auc, prc_auc/pr_auc, accuracy, mcc, r2, pearson,
/// spearman, ci, rm2; false for rmse, mse, mae and "loss". UsageError listing the names for an unknown one.
bool higher_is_better(std::string_view metric_name);

// ---- Multi-task ----
struct MultiTaskMetrics {
  std::vector<MetricSet> per_task;     ///< one per task, in task order (NaN where undefined for that task)
  MetricSet mean;                      ///< per metric name: mean over the tasks where it is finite (NaN if none)
  std::map<std::string, int> n_tasks;  ///< per metric name: how many tasks entered the mean
};
/// Per-task metrics and their means for row-major [n_rows, n_tasks] predictions and targets (NaN = missing).
/// Tox21's "mean ROC-AUC over 12 tasks" is compute_multitask_metrics(classification, p, y, 12).mean["roc_auc"].
MultiTaskMetrics compute_multitask_metrics(TaskType type, Values preds, Values targets, std::size_t n_tasks);
/// Same with one task type per task (n_tasks = types.size()); each mean covers the tasks that have that metric.
MultiTaskMetrics compute_multitask_metrics(const std::vector<TaskType>& types, Values preds, Values targets);
/// Mean of the finite values; NaN if there are none.
double nan_mean(const std::vector<double>& values);
/// Copy of `targets` with NaN wherever mask[i] == 0 (for callers that keep a separate label mask). Same length.
std::vector<double> apply_mask(Values targets, Values mask);

}  // namespace hitforge::train
