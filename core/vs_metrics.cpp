#include "core/vs_metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.h"

namespace hitforge::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string lower_trimmed(std::string_view text) {
  std::size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  std::string s(text.substr(b, e - b));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<bool> parse_activity_label(std::string_view text) {
  const std::string s = lower_trimmed(text);
  if (s == "1" || s == "1.0" || s == "true" || s == "active") return true;
  if (s == "0" || s == "0.0" || s == "false" || s == "decoy" || s == "inactive") return false;
  return std::nullopt;
}

VsRanking::VsRanking(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels, bool ascending)
    : n_(scores.size()) {
  HITFORGE_REQUIRE(scores.size() == labels.size(), "virtual-screening metrics: ", scores.size(), " scores for ",
                   labels.size(), " labels");
  for (std::size_t i = 0; i < n_; ++i) {
    HITFORGE_REQUIRE(!std::isnan(scores[i]), "virtual-screening metrics: score of row ", i,
                     " is NaN (exclude the row or give it the worst score)");
    HITFORGE_REQUIRE(labels[i] <= 1, "virtual-screening metrics: label of row ", i, " is ", int(labels[i]),
                     ", expected 0 (decoy) or 1 (active)");
    n_actives_ += labels[i];
  }
  std::vector<std::size_t> order(n_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Best first. Only the grouping of equal scores matters afterwards, so the sort need not be stable.
  if (ascending)
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  else
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  for (std::size_t k = 0; k < n_;) {
    std::size_t end = k, actives = 0;
    while (end < n_ && scores[order[end]] == scores[order[k]]) actives += labels[order[end++]];
    groups_.push_back({end - k, actives});
    k = end;
  }
}

double VsRanking::roc_auc() const {
  const std::size_t n_d = n_decoys();
  if (n_actives_ == 0 || n_d == 0) return kNaN;
  // Each active beats every decoy ranked below its group and half of the decoys tied with it.
  double u = 0;
  std::size_t decoys_at_or_above = 0;
  for (const Group& g : groups_) {
    const std::size_t d = g.size - g.actives;
    decoys_at_or_above += d;
    u += static_cast<double>(g.actives) * (static_cast<double>(n_d - decoys_at_or_above) + 0.5 * d);
  }
  return u / (static_cast<double>(n_actives_) * static_cast<double>(n_d));
}

double VsRanking::average_precision() const {
  if (n_actives_ == 0 || n_decoys() == 0) return kNaN;
  double ap = 0;
  std::size_t seen = 0, tp = 0;
  for (const Group& g : groups_) {
    seen += g.size;
    tp += g.actives;
    if (g.actives) ap += static_cast<double>(g.actives) / n_actives_ * (static_cast<double>(tp) / seen);
  }
  return ap;
}

EnrichmentFactor VsRanking::enrichment(double fraction) const {
  HITFORGE_REQUIRE(fraction > 0 && fraction <= 1, "enrichment factor: fraction must be in (0, 1], got ", fraction);
  EnrichmentFactor e;
  e.fraction = fraction;
  if (n_ == 0) {
    e.ef = e.ef_max = kNaN;
    return e;
  }
  const double raw = std::ceil(fraction * static_cast<double>(n_) - 1e-9);
  e.n_top = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(raw, 1.0)), 1, n_);
  std::size_t above = 0;
  for (const Group& g : groups_) {
    if (above >= e.n_top) break;
    const std::size_t inside = std::min(g.size, e.n_top - above);
    e.actives_in_top += static_cast<double>(inside) * static_cast<double>(g.actives) / static_cast<double>(g.size);
    above += g.size;
  }
  if (n_actives_ == 0 || n_decoys() == 0) {
    e.ef = e.ef_max = kNaN;
    return e;
  }
  const double base = static_cast<double>(n_actives_) / static_cast<double>(n_);
  e.ef = e.actives_in_top / static_cast<double>(e.n_top) / base;
  e.ef_max = static_cast<double>(std::min(e.n_top, n_actives_)) / static_cast<double>(e.n_top) / base;
  return e;
}

double VsRanking::rie(double alpha) const {
  HITFORGE_REQUIRE(alpha > 0 && std::isfinite(alpha), "RIE/BEDROC: alpha must be positive, got ", alpha);
  if (n_actives_ == 0 || n_decoys() == 0) return kNaN;
  const double n = static_cast<double>(n_);
  double sum = 0;
  std::size_t rank = 0;  // ranks before the current group
  for (const Group& g : groups_) {
    if (g.actives) {
      double group_sum = 0;
      for (std::size_t r = rank + 1; r <= rank + g.size; ++r)
        group_sum += std::exp(-alpha * static_cast<double>(r) / n);
      sum += static_cast<double>(g.actives) * group_sum / static_cast<double>(g.size);
    }
    rank += g.size;
  }
  const double ra = static_cast<double>(n_actives_) / n;
  const double random_sum = ra * (1.0 - std::exp(-alpha)) / std::expm1(alpha / n);
  return sum / random_sum;
}

double VsRanking::bedroc(double alpha) const {
  const double r = rie(alpha);
  if (std::isnan(r)) return kNaN;
  const double ra = static_cast<double>(n_actives_) / static_cast<double>(n_);
  const double factor = ra * std::sinh(alpha / 2) / (std::cosh(alpha / 2) - std::cosh(alpha / 2 - alpha * ra));
  const double constant = 1.0 / (1.0 - std::exp(alpha * (1.0 - ra)));
  return r * factor + constant;
}

RocCurve VsRanking::roc_curve() const {
  RocCurve c;
  c.fpr.reserve(groups_.size() + 1);
  c.tpr.reserve(groups_.size() + 1);
  c.fpr.push_back(0);
  c.tpr.push_back(0);
  const std::size_t n_d = n_decoys();
  if (n_actives_ == 0 || n_d == 0) return c;
  std::size_t tp = 0, fp = 0;
  for (const Group& g : groups_) {
    tp += g.actives;
    fp += g.size - g.actives;
    c.fpr.push_back(static_cast<double>(fp) / static_cast<double>(n_d));
    c.tpr.push_back(static_cast<double>(tp) / static_cast<double>(n_actives_));
  }
  return c;
}

VsMetrics compute_vs_metrics(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels,
                             const VsMetricsOptions& options) {
  VsRanking ranking(scores, labels, options.ascending);
  VsMetrics m;
  m.n = ranking.size();
  m.n_actives = ranking.n_actives();
  m.n_decoys = ranking.n_decoys();
  m.n_tie_groups = ranking.n_tie_groups();
  m.roc_auc = ranking.roc_auc();
  m.average_precision = ranking.average_precision();
  m.bedroc_alpha = options.bedroc_alpha;
  m.rie = ranking.rie(options.bedroc_alpha);
  m.bedroc = ranking.bedroc(options.bedroc_alpha);
  for (double f : options.ef_fractions) m.enrichment.push_back(ranking.enrichment(f));
  return m;
}

}  // namespace hitforge::core
