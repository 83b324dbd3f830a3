#include "train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/rm2.h"

namespace hitforge::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The labelled pairs (target not NaN), and whether any of their predictions is NaN.
struct Pairs {
  std::vector<double> p, y;
  bool nan_pred = false;
  std::size_t size() const { return y.size(); }
};

Pairs collect(Values preds, Values targets, std::string_view metric) {
  HITFORGE_REQUIRE(preds.size() == targets.size(), metric, ": ", preds.size(), " predictions for ", targets.size(),
                   " targets");
  Pairs out;
  out.p.reserve(targets.size());
  out.y.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    double y = targets[i];
    if (std::isnan(y)) continue;
    double p = preds[i];
    out.nan_pred = out.nan_pred || std::isnan(p);
    out.p.push_back(p);
    out.y.push_back(y);
  }
  return out;
}

/// Labelled pairs of a binary task; counts the classes. UsageError for targets other than 0/1.
Pairs collect_binary(Values preds, Values targets, std::string_view metric, std::size_t& n_pos) {
  Pairs d = collect(preds, targets, metric);
  n_pos = 0;
  for (double y : d.y) {
    HITFORGE_REQUIRE(y == 0.0 || y == 1.0, metric, ": classification targets must be 0 or 1 (or NaN for missing), got ",
                     y);
    n_pos += y == 1.0;
  }
  return d;
}

bool all_equal(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

/// 1-based ranks; tied values share the mean of the ranks they span. No NaN allowed (checked by callers).
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    double r = 0.5 * static_cast<double>(i + j) + 1.0;  // mean of ranks i+1 .. j+1
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = r;
    i = j + 1;
  }
  return rank;
}

double pearson_of(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || all_equal(a) || all_equal(b)) return kNaN;
  const double n = static_cast<double>(a.size());
  double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);
}

/// Σ (p − y)^2 / n and Σ |p − y| / n over the labelled pairs.
double mean_error(Values preds, Values targets, std::string_view metric, bool squared) {
  Pairs d = collect(preds, targets, metric);
  if (d.size() == 0) return kNaN;
  double s = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    double e = d.p[i] - d.y[i];
    s += squared ? e * e : std::abs(e);
  }
  return s / static_cast<double>(d.size());
}

/// Fenwick tree of counts over positions 0..n-1.
class CountTree {
 public:
  explicit CountTree(std::size_t n) : t_(n + 1, 0) {}
  void add(std::size_t pos) {
    for (std::size_t i = pos + 1; i < t_.size(); i += i & (~i + 1)) ++t_[i];
  }
  /// Count at positions < pos.
  std::int64_t below(std::size_t pos) const {
    std::int64_t s = 0;
    for (std::size_t i = pos; i > 0; i -= i & (~i + 1)) s += t_[i];
    return s;
  }

 private:
  std::vector<std::int64_t> t_;
};

struct MetricDef {
  const char* name;
  TaskType type;
  bool higher_is_better;
  std::function<double(Values, Values)> fn;
};

/// The single table behind metric_names, compute_metric and higher_is_better; primary metric first per type.
const std::vector<MetricDef>& metric_table() {
  static const std::vector<MetricDef> table = {
      {"rmse", TaskType::regression, false, rmse},
      {"mse", TaskType::regression, false, mse},
      {"mae", TaskType::regression, false, mae},
      {"r2", TaskType::regression, true, r2},
      {"pearson", TaskType::regression, true, pearson},
      {"spearman", TaskType::regression, true, spearman},
      {"ci", TaskType::regression, true, concordance_index},
      {"rm2", TaskType::regression, true, rm2},
      {"roc_auc", TaskType::classification, true, roc_auc},
      {"prc_auc", TaskType::classification, true, pr_auc},
      {"accuracy", TaskType::classification, true, [](Values p, Values y) { return accuracy(p, y); }},
      {"mcc", TaskType::classification, true, [](Values p, Values y) { return mcc(p, y); }},
  };
  return table;
}

std::string known_metric_names() {
  std::string s;
  for (const auto& m : metric_table()) s += std::string(s.empty() ? "" : ", ") + m.name;
  return s + ", pr_auc, loss";
}

const MetricDef& find_metric(std::string_view name) {
  std::string_view key = name == "pr_auc" ? std::string_view("prc_auc") : name;
  for (const auto& m : metric_table())
    if (key == m.name) return m;
  throw core::UsageError(core::str_cat("unknown metric '", name, "' (known: ", known_metric_names(), ")"));
}

}  // namespace

TaskType parse_task_type(std::string_view name) {
  if (name == "regression") return TaskType::regression;
  if (name == "classification") return TaskType::classification;
  throw core::UsageError(core::str_cat("unknown task type '", name, "' (expected regression or classification)"));
}

std::string task_type_name(TaskType type) {
  return type == TaskType::regression ? "regression" : "classification";
}

double mse(Values preds, Values targets) {
  return mean_error(preds, targets, "mse", true);
}
double rmse(Values preds, Values targets) {
  return std::sqrt(mean_error(preds, targets, "rmse", true));
}
double mae(Values preds, Values targets) {
  return mean_error(preds, targets, "mae", false);
}

double r2(Values preds, Values targets) {
  Pairs d = collect(preds, targets, "r2");
  // Checked on the values, not on SS_tot: the mean of equal values can differ from them in the last bit.
  if (d.size() == 0 || all_equal(d.y)) return kNaN;
  double mean = std::accumulate(d.y.begin(), d.y.end(), 0.0) / static_cast<double>(d.size());
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    ss_res += (d.y[i] - d.p[i]) * (d.y[i] - d.p[i]);
    ss_tot += (d.y[i] - mean) * (d.y[i] - mean);
  }
  return 1.0 - ss_res / ss_tot;
}

double pearson(Values preds, Values targets) {
  Pairs d = collect(preds, targets, "pearson");
  return d.nan_pred ? kNaN : pearson_of(d.p, d.y);
}

double spearman(Values preds, Values targets) {
  Pairs d = collect(preds, targets, "spearman");
  if (d.nan_pred) return kNaN;
  return pearson_of(average_ranks(d.p), average_ranks(d.y));
}

double concordance_index(Values preds, Values targets) {
  Pairs d = collect(preds, targets, "ci");
  if (d.nan_pred || d.size() < 2) return kNaN;
  // Walk the pairs in increasing target order, one group of equal targets at a time: every item already in the
  // tree has a strictly smaller target, so it forms a comparable pair with each item of the current group.
  std::vector<double> levels = d.p;
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  std::vector<std::size_t> order(d.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return d.y[a] < d.y[b]; });
  auto level_of = [&](double p) {
    return static_cast<std::size_t>(std::lower_bound(levels.begin(), levels.end(), p) - levels.begin());
  };
  CountTree tree(levels.size());
  std::int64_t inserted = 0, pairs = 0, twice_score = 0;  // score counted in halves, exact
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && d.y[order[j]] == d.y[order[i]]) ++j;
    for (std::size_t k = i; k < j; ++k) {
      std::size_t lv = level_of(d.p[order[k]]);
      std::int64_t below = tree.below(lv), tied = tree.below(lv + 1) - below;
      twice_score += 2 * below + tied;
      pairs += inserted;
    }
    for (std::size_t k = i; k < j; ++k) tree.add(level_of(d.p[order[k]]));
    inserted += static_cast<std::int64_t>(j - i);
    i = j;
  }
  if (pairs == 0) return kNaN;
  return 0.5 * static_cast<double>(twice_score) / static_cast<double>(pairs);
}

double rm2(Values preds, Values targets) {
  Pairs d = collect(preds, targets, "rm2");
  if (d.nan_pred) return kNaN;
  return core::rm2(d.p, d.y);  // NaN when undefined (fewer than 2 pairs, constant sides)
}

double roc_auc(Values preds, Values targets) {
  std::size_t n_pos = 0;
  Pairs d = collect_binary(preds, targets, "roc_auc", n_pos);
  std::size_t n_neg = d.size() - n_pos;
  if (d.nan_pred || n_pos == 0 || n_neg == 0) return kNaN;
  std::vector<double> rank = average_ranks(d.p);
  double pos_rank_sum = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d.y[i] == 1.0) pos_rank_sum += rank[i];
  const double np = static_cast<double>(n_pos), nn = static_cast<double>(n_neg);
  return (pos_rank_sum - np * (np + 1) / 2) / (np * nn);
}

double pr_auc(Values preds, Values targets) {
  std::size_t n_pos = 0;
  Pairs d = collect_binary(preds, targets, "pr_auc", n_pos);
  if (d.nan_pred || n_pos == 0 || n_pos == d.size()) return kNaN;
  std::vector<std::size_t> order(d.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return d.p[a] > d.p[b]; });
  double tp = 0, fp = 0, prev_recall = 0, ap = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    for (; j < order.size() && d.p[order[j]] == d.p[order[i]]; ++j) (d.y[order[j]] == 1.0 ? tp : fp) += 1;
    double recall = tp / static_cast<double>(n_pos);
    ap += (recall - prev_recall) * (tp / (tp + fp));
    prev_recall = recall;
    i = j;
  }
  return ap;
}

double accuracy(Values preds, Values targets, double threshold) {
  std::size_t n_pos = 0;
  Pairs d = collect_binary(preds, targets, "accuracy", n_pos);
  if (d.nan_pred || d.size() == 0) return kNaN;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < d.size(); ++i) correct += (d.p[i] > threshold) == (d.y[i] == 1.0);
  return static_cast<double>(correct) / static_cast<double>(d.size());
}

double mcc(Values preds, Values targets, double threshold) {
  std::size_t n_pos = 0;
  Pairs d = collect_binary(preds, targets, "mcc", n_pos);
  if (d.nan_pred || n_pos == 0 || n_pos == d.size()) return kNaN;
  double tp = 0, tn = 0, fp = 0, fn = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    bool hit = d.p[i] > threshold, pos = d.y[i] == 1.0;
    (hit ? (pos ? tp : fp) : (pos ? fn : tn)) += 1;
  }
  double denom = std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return denom == 0 ? 0.0 : (tp * tn - fp * fn) / denom;
}

const std::vector<std::string>& metric_names(TaskType type) {
  static const auto names = [] {
    std::map<TaskType, std::vector<std::string>> out;
    for (const auto& m : metric_table()) out[m.type].push_back(m.name);
    return out;
  }();
  return names.at(type);
}

MetricSet compute_metrics(TaskType type, Values preds, Values targets) {
  MetricSet out;
  for (const auto& m : metric_table())
    if (m.type == type) out[m.name] = m.fn(preds, targets);
  return out;
}

double compute_metric(std::string_view name, Values preds, Values targets) {
  return find_metric(name).fn(preds, targets);
}

bool higher_is_better(std::string_view metric_name) {
  if (metric_name == "loss") return false;
  return find_metric(metric_name).higher_is_better;
}

double nan_mean(const std::vector<double>& values) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++n;
  return n ? sum / static_cast<double>(n) : kNaN;
}

MultiTaskMetrics compute_multitask_metrics(const std::vector<TaskType>& types, Values preds, Values targets) {
  const std::size_t n_tasks = types.size();
  HITFORGE_REQUIRE(n_tasks > 0, "multi-task metrics need at least one task");
  HITFORGE_REQUIRE(preds.size() == targets.size(), "multi-task metrics: ", preds.size(), " predictions for ",
                   targets.size(), " targets");
  HITFORGE_REQUIRE(targets.size() % n_tasks == 0, "multi-task metrics: ", targets.size(),
                   " values do not form rows of ", n_tasks, " tasks");
  MultiTaskMetrics out;
  std::map<std::string, std::vector<double>> by_name;
  for (std::size_t t = 0; t < n_tasks; ++t) {
    out.per_task.push_back(compute_metrics(types[t], preds.column(t, n_tasks), targets.column(t, n_tasks)));
    for (const auto& [name, value] : out.per_task.back()) by_name[name].push_back(value);
  }
  for (const auto& [name, values] : by_name) {
    out.mean[name] = nan_mean(values);
    out.n_tasks[name] =
        static_cast<int>(std::count_if(values.begin(), values.end(), [](double v) { return std::isfinite(v); }));
  }
  return out;
}

MultiTaskMetrics compute_multitask_metrics(TaskType type, Values preds, Values targets, std::size_t n_tasks) {
  return compute_multitask_metrics(std::vector<TaskType>(n_tasks, type), preds, targets);
}

std::vector<double> apply_mask(Values targets, Values mask) {
  HITFORGE_REQUIRE(targets.size() == mask.size(), "mask has ", mask.size(), " entries for ", targets.size(),
                   " targets");
  std::vector<double> out(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) out[i] = mask[i] == 0 ? kNaN : targets[i];
  return out;
}

}  // namespace hitforge::train
