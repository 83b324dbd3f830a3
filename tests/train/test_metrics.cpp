#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "train/metrics.h"

// Golden values: scikit-learn is not installed here (python3-sklearn absent), so they come from its documentation
// examples, from scipy.stats (Debian python3-scipy 1.10) or from small numpy references written from the metric
// definitions, run with /usr/bin/python3; hand derivations are spelled out where short. The randomized cases below
// compare against brute-force C++ versions of the same definitions.

using namespace hitforge;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using V = std::vector<double>;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
}  // namespace

TEST_CASE("regression metrics match sklearn's documented example", "[train]") {
  // sklearn docs (mean_squared_error, mean_absolute_error, r2_score): y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0, 2, 8]
  // → MSE 0.375, MAE 0.5, R² 0.948...; RMSE = sqrt(0.375). R² = 1 − 1.5 / 29.1875 (ȳ = 2.875).
  std::vector<double> y{3, -0.5, 2, 7}, p{2.5, 0.0, 2, 8};
  CHECK_THAT(train::mse(p, y), WithinRel(0.375, 1e-12));
  CHECK_THAT(train::rmse(p, y), WithinRel(std::sqrt(0.375), 1e-12));
  CHECK_THAT(train::mae(p, y), WithinRel(0.5, 1e-12));
  CHECK_THAT(train::r2(p, y), WithinRel(1.0 - 1.5 / 29.1875, 1e-12));
  // scipy.stats.pearsonr([2.5, 0, 2, 8], [3, -0.5, 2, 7])[0]
  CHECK_THAT(train::pearson(p, y), WithinRel(0.98486961844827003, 1e-12));
  CHECK_THAT(train::spearman(p, y), WithinRel(1.0, 1e-12));
  // float storage works the same
  std::vector<float> yf{3, -0.5f, 2, 7}, pf{2.5f, 0.0f, 2, 8};
  CHECK_THAT(train::rmse(pf, yf), WithinRel(std::sqrt(0.375), 1e-7));
}

TEST_CASE("NaN targets are skipped, NaN predictions poison the metric", "[train]") {
  std::vector<double> y{3, kNaN, -0.5, 2, kNaN, 7}, p{2.5, 100, 0.0, 2, kNaN, 8};
  CHECK_THAT(train::mse(p, y), WithinRel(0.375, 1e-12));
  CHECK_THAT(train::r2(p, y), WithinRel(1.0 - 1.5 / 29.1875, 1e-12));
  std::vector<double> p_bad{2.5, 100, kNaN, 2, kNaN, 8};
  CHECK(std::isnan(train::rmse(p_bad, y)));
  CHECK(std::isnan(train::spearman(p_bad, y)));
  CHECK(std::isnan(train::concordance_index(p_bad, y)));
  std::vector<double> yc{0, kNaN, 1, 1}, pc{0.2, kNaN, 0.7, 0.9};
  CHECK(train::roc_auc(pc, yc) == 1.0);
  pc[2] = kNaN;
  CHECK(std::isnan(train::roc_auc(pc, yc)));
  CHECK(std::isnan(train::accuracy(pc, yc)));
  // A separate 0/1 mask becomes NaN targets.
  auto masked = train::apply_mask(V{1, 0, 1}, V{1, 0, 1});
  CHECK(masked[0] == 1.0);
  CHECK(std::isnan(masked[1]));
}

TEST_CASE("ROC-AUC and average precision match sklearn, with ties", "[train]") {
  // sklearn docs: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75; average_precision_score(...) = 0.8333...
  CHECK_THAT(train::roc_auc(V{0.1, 0.4, 0.35, 0.8}, V{0, 0, 1, 1}), WithinRel(0.75, 1e-12));
  CHECK_THAT(train::pr_auc(V{0.1, 0.4, 0.35, 0.8}, V{0, 0, 1, 1}), WithinRel(0.8333333333333333, 1e-12));
  // Tied scores across classes (0.4 ×3, 0.6 ×2). References (/usr/bin/python3, numpy), from the definitions:
  //   AUC = mean over (pos, neg) pairs of [p_pos > p_neg] + 0.5·[p_pos == p_neg]                     → 0.78
  //   AP  = Σ_t (R_t − R_{t−1})·P_t over distinct thresholds t descending, predicted positive = p ≥ t → 0.789285714...
  //   MCC, accuracy with class 1 = p > 0.5: TP 3, FP 1, FN 2, TN 4 → (12 − 2)/sqrt(4·5·5·6) = 0.408248..., 0.7
  std::vector<double> y{0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
  std::vector<double> p{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9, 0.6, 0.6};
  CHECK_THAT(train::roc_auc(p, y), WithinRel(0.78, 1e-12));
  CHECK_THAT(train::pr_auc(p, y), WithinRel(0.78928571428571437, 1e-12));
  CHECK_THAT(train::mcc(p, y), WithinRel(0.40824829046386302, 1e-12));
  CHECK_THAT(train::accuracy(p, y), WithinRel(0.7, 1e-12));
  // All scores tied: AUC 0.5, AP = positive rate.
  CHECK_THAT(train::roc_auc(V{0.3, 0.3, 0.3, 0.3}, V{0, 1, 1, 0}), WithinRel(0.5, 1e-12));
  CHECK_THAT(train::pr_auc(V{0.3, 0.3, 0.3, 0.3}, V{0, 1, 1, 0}), WithinRel(0.5, 1e-12));
}

TEST_CASE("ROC-AUC, AP and CI agree with brute-force definitions on random data with ties", "[train]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 9);  // few distinct values → many ties
  std::bernoulli_distribution coin(0.3);
  for (int rep = 0; rep < 20; ++rep) {
    const int n = 50 + rep * 7;
    std::vector<double> p(n), y(n), yr(n);
    for (int i = 0; i < n; ++i) {
      p[i] = level(rng) / 10.0;
      y[i] = coin(rng) ? 1 : 0;
      yr[i] = level(rng) + (coin(rng) ? 0.5 : 0.0);
    }
    double auc_sum = 0, auc_n = 0, ci_sum = 0, ci_n = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double s = p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
        if (y[i] == 1 && y[j] == 0) auc_sum += s, auc_n += 1;
        if (yr[i] > yr[j]) ci_sum += s, ci_n += 1;
      }
    double ap = 0, prev_recall = 0, n_pos = 0;
    for (double v : y) n_pos += v;
    for (int t = 9; t >= 0; --t) {
      double tp = 0, sel = 0;
      for (int i = 0; i < n; ++i)
        if (p[i] >= t / 10.0 - 1e-12) sel += 1, tp += y[i];
      if (sel == 0) continue;
      ap += (tp / n_pos - prev_recall) * (tp / sel);
      prev_recall = tp / n_pos;
    }
    CHECK_THAT(train::roc_auc(p, y), WithinAbs(auc_sum / auc_n, 1e-12));
    CHECK_THAT(train::pr_auc(p, y), WithinAbs(ap, 1e-12));
    CHECK_THAT(train::concordance_index(p, yr), WithinAbs(ci_sum / ci_n, 1e-12));
  }
}

TEST_CASE("degenerate inputs give NaN, bad inputs throw", "[train]") {
  std::vector<double> empty;
  CHECK(std::isnan(train::rmse(empty, empty)));
  CHECK(std::isnan(train::mae(empty, empty)));
  CHECK(std::isnan(train::roc_auc(empty, empty)));
  CHECK(std::isnan(train::accuracy(empty, empty)));
  CHECK(std::isnan(train::nan_mean(V{kNaN, kNaN})));
  // one class only
  CHECK(std::isnan(train::roc_auc(V{0.1, 0.9}, V{1, 1})));
  CHECK(std::isnan(train::pr_auc(V{0.1, 0.9}, V{0, 0})));
  CHECK(std::isnan(train::pr_auc(V{0.1, 0.9}, V{1, 1})));
  CHECK(std::isnan(train::mcc(V{0.1, 0.9}, V{1, 1})));
  CHECK(train::accuracy(V{0.1, 0.9}, V{1, 1}) == 0.5);  // accuracy is defined for one class
  // all labels masked
  CHECK(std::isnan(train::roc_auc(V{0.1, 0.9}, V{kNaN, kNaN})));
  // constant targets / predictions
  CHECK(std::isnan(train::r2(V{1, 2, 3}, V{0.1, 0.1, 0.1})));
  CHECK(std::isnan(train::r2(V{1}, V{2})));
  CHECK(std::isnan(train::spearman(V{1, 1, 1}, V{1, 2, 3})));
  CHECK(std::isnan(train::pearson(V{1, 2, 3}, V{4, 4, 4})));
  CHECK(std::isnan(train::concordance_index(V{1, 2, 3}, V{5, 5, 5})));
  // constant predictions with both classes: MCC 0 (sklearn's convention), AUC 0.5
  CHECK(train::mcc(V{0.2, 0.2, 0.2}, V{0, 1, 1}) == 0.0);
  // mismatched lengths, non-binary labels, unknown names
  CHECK_THROWS_AS(train::rmse(V{1, 2}, V{1}), core::UsageError);
  CHECK_THROWS_AS(train::roc_auc(V{0.1, 0.2}, V{0, 2}), core::UsageError);
  CHECK_THROWS_AS(train::compute_metric("f1", V{1}, V{1}), core::UsageError);
  CHECK_THROWS_AS(train::higher_is_better("bogus"), core::UsageError);
  CHECK_THROWS_AS(train::parse_task_type("generation"), core::UsageError);
}

TEST_CASE("concordance index counts tied predictions as 0.5 and skips tied targets", "[train]") {
  // y = [1, 2, 2, 3], p = [0.5, 0.4, 0.6, 0.6]. Pairs with y_i > y_j (the two y = 2 are not compared):
  //   (2a,1): 0.4 < 0.5 → 0   (2b,1): 0.6 > 0.5 → 1   (3,1): 1   (3,2a): 1   (3,2b): 0.6 = 0.6 → 0.5
  //   CI = 3.5 / 5 = 0.7
  CHECK_THAT(train::concordance_index(V{0.5, 0.4, 0.6, 0.6}, V{1, 2, 2, 3}), WithinRel(0.7, 1e-12));
  // O(n²) reference (GraphDTA-style ci()) on ys = [1,2,2,3,5,5,4], ps = [1.5,1.5,3,2,4,6,6] → 16/19
  CHECK_THAT(train::concordance_index(V{1.5, 1.5, 3, 2, 4, 6, 6}, V{1, 2, 2, 3, 5, 5, 4}),
             WithinRel(0.84210526315789469, 1e-12));
  CHECK(train::concordance_index(V{3, 2, 1}, V{30, 20, 10}) == 1.0);
  CHECK(train::concordance_index(V{1, 2, 3}, V{30, 20, 10}) == 0.0);
}

TEST_CASE("Spearman uses average ranks for ties", "[train]") {
  // scipy.stats.spearmanr([1.5,1.5,3,2,4,6,6], [1,2,2,3,5,5,4])[0] = 0.8333333333333335
  CHECK_THAT(train::spearman(V{1.5, 1.5, 3, 2, 4, 6, 6}, V{1, 2, 2, 3, 5, 5, 4}),
             WithinRel(0.83333333333333348, 1e-12));
  CHECK_THAT(train::spearman(V{1, 2, 3, 4}, V{40, 30, 20, 10}), WithinRel(-1.0, 1e-12));
}

TEST_CASE("compute_metrics returns every metric of the task type", "[train]") {
  auto reg = train::compute_metrics(train::TaskType::regression, V{2.5, 0.0, 2, 8}, V{3, -0.5, 2, 7});
  CHECK(reg.size() == train::metric_names(train::TaskType::regression).size());
  CHECK(train::metric_names(train::TaskType::regression).front() == "rmse");
  CHECK_THAT(reg.at("mae"), WithinRel(0.5, 1e-12));
  CHECK(reg.count("ci") == 1);
  auto cls = train::compute_metrics(train::parse_task_type("classification"), V{0.1, 0.4, 0.35, 0.8}, V{0, 0, 1, 1});
  CHECK(train::metric_names(train::TaskType::classification).front() == "roc_auc");
  CHECK_THAT(cls.at("roc_auc"), WithinRel(0.75, 1e-12));
  CHECK_THAT(cls.at("prc_auc"), WithinRel(0.8333333333333333, 1e-12));
  CHECK(cls.count("accuracy") == 1);
  CHECK(cls.count("mcc") == 1);
  CHECK(train::compute_metric("pr_auc", V{0.1, 0.4, 0.35, 0.8}, V{0, 0, 1, 1}) == cls.at("prc_auc"));
  CHECK(train::task_type_name(train::TaskType::regression) == "regression");
}

TEST_CASE("higher_is_better knows each metric's direction", "[train]") {
  for (const char* m : {"roc_auc", "prc_auc", "pr_auc", "accuracy", "mcc", "r2", "pearson", "spearman", "ci"})
    CHECK(train::higher_is_better(m));
  for (const char* m : {"rmse", "mse", "mae", "loss"}) CHECK_FALSE(train::higher_is_better(m));
}

TEST_CASE("multi-task mean skips tasks whose metric is undefined (Tox21-style)", "[train]") {
  // Row-major [5 rows, 3 tasks]. Task 0: pos {.9,.6} vs neg {.2,.7} → 3/4 = 0.75.
  // Task 1: only negatives → NaN. Task 2: pos {.3,.8} vs neg {.3,.1} (row 3 masked) → (0.5+1+1+1)/4 = 0.875.
  // Mean ROC-AUC = (0.75 + 0.875) / 2 = 0.8125 over 2 tasks.
  std::vector<float> y{1,     0,     1,      //
                       0,     0,     1,      //
                       1,     kNaNf, 0,      //
                       0,     0,     kNaNf,  //
                       kNaNf, 0,     0};
  std::vector<float> p{0.9f, 0.1f, 0.3f,  //
                       0.2f, 0.2f, 0.8f,  //
                       0.6f, 0.3f, 0.3f,  //
                       0.7f, 0.4f, 0.1f,  //
                       0.5f, 0.5f, 0.1f};
  auto m = train::compute_multitask_metrics(train::TaskType::classification, p, y, 3);
  REQUIRE(m.per_task.size() == 3);
  CHECK_THAT(m.per_task[0].at("roc_auc"), WithinRel(0.75, 1e-12));
  CHECK(std::isnan(m.per_task[1].at("roc_auc")));
  CHECK_THAT(m.per_task[2].at("roc_auc"), WithinRel(0.875, 1e-12));
  CHECK_THAT(m.mean.at("roc_auc"), WithinRel(0.8125, 1e-12));
  CHECK(m.n_tasks.at("roc_auc") == 2);
  CHECK(m.n_tasks.at("accuracy") == 3);
  CHECK_THROWS_AS(train::compute_multitask_metrics(train::TaskType::classification, p, y, 4), core::UsageError);
  // Mixed task types: means are taken per metric name over the tasks that have it.
  auto mixed = train::compute_multitask_metrics(
      {train::TaskType::classification, train::TaskType::regression, train::TaskType::classification}, p, y);
  CHECK(mixed.n_tasks.at("rmse") == 1);
  CHECK_THAT(mixed.mean.at("roc_auc"), WithinRel(0.8125, 1e-12));
}
