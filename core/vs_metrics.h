#pragma once
// Virtual-screening enrichment metrics over one ranked list of scored actives and decoys: ROC-AUC, average
// precision (PR-AUC), enrichment factors EF x%, RIE and BEDROC (Truchon & Bayly, J. Chem. Inf. Model. 2007, 47, 488).
// Plain C++ (no RDKit, no LibTorch), so `hitforge evaluate-vs` stays in the fast-starting binary.
//
// Conventions shared by every metric here (see docs/virtual-screening.md):
//   * Ranking: by default a higher score means "more likely active" (rank 1 = highest score); `ascending` flips
//     this for scores where lower is better (docking energies, distances). ±infinity are ordinary scores (the
//     CLI ranks rows without a score last by giving them the worst score, −inf in the oriented order).
//   * NaN scores are rejected (UsageError naming the 0-based index): the caller decides whether such rows are
//     excluded or ranked last, and reports them.
//   * Ties: rows with equal scores form one tie group occupying consecutive ranks p+1..p+g, and every metric is
//     the *expected value over all orderings of each tie group*, so the result never depends on input order:
//       - ROC-AUC is the Mann–Whitney U / (n_a·n_d) with tied active/decoy pairs counted ½ (= sklearn's
//         roc_auc_score, the trapezoidal area with a tie group drawn as one diagonal step);
//       - average precision is sklearn's average_precision_score: a tie group is one threshold;
//       - EF: a tie group straddling the cutoff contributes (ranks inside the cutoff) × (its active fraction);
//       - RIE/BEDROC: each active in a tie group contributes the mean of e^(−α·r/N) over the group's ranks.
//   * Undefined values (no actives or no decoys) are NaN, never an exception; the counts say why.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hitforge::core {

/// Parses an activity label, case-insensitively and ignoring surrounding blanks: "1", "1.0", "true", "active" →
/// true; "0", "0.0", "false", "decoy", "inactive" → false; anything else (including "") → nullopt.
std::optional<bool> parse_activity_label(std::string_view text);

/// EF at a fraction x of the ranked list, N rows of which n_a actives:
///   n_top = ⌈x·N⌉ (at least 1, at most N; computed as ⌈x·N − 1e−9⌉ so that e.g. 0.07·100 gives 7, not 8),
///   EF    = (actives_in_top / n_top) / (n_a / N).
/// A perfect ranking gives ef_max = min(n_top, n_a) / n_top · N / n_a, i.e. N/n_a when the top fraction can be
/// filled with actives and N/n_top when it holds all of them.
struct EnrichmentFactor {
  double fraction = 0;        ///< x in (0, 1], e.g. 0.01 for EF1%
  std::size_t n_top = 0;      ///< ⌈x·N⌉
  double actives_in_top = 0;  ///< expected count; fractional when a tie group straddles the cutoff
  double ef = 0;              ///< NaN unless both classes are present
  double ef_max = 0;          ///< EF of a perfect ranking (same N, n_a, n_top)
};

/// One point per tie group (plus the origin), in rank order: false/true positive rates in [0, 1]. Only the origin
/// when a class is missing.
struct RocCurve {
  std::vector<double> fpr, tpr;
};

/// A list of scored rows sorted once into tie groups; each metric is then one O(N) pass. Immutable.
class VsRanking {
 public:
  /// scores[i] and labels[i] (0 = decoy, 1 = active) describe row i. UsageError on a length mismatch, a NaN
  /// score (naming its index) or a label other than 0/1.
  VsRanking(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels, bool ascending = false);

  std::size_t size() const { return n_; }
  std::size_t n_actives() const { return n_actives_; }
  std::size_t n_decoys() const { return n_ - n_actives_; }
  std::size_t n_tie_groups() const { return groups_.size(); }

  /// Probability that a random active ranks above a random decoy (ties ½). 1 = perfect, 0.5 = random, 0 = reversed.
  double roc_auc() const;
  /// Average precision Σ_thresholds (R_k − R_{k−1})·P_k; equals the active fraction n_a/N for a random ranking.
  double average_precision() const;
  /// EF at `fraction` (0 < fraction <= 1; UsageError otherwise), see EnrichmentFactor.
  EnrichmentFactor enrichment(double fraction) const;
  /// Robust initial enhancement: Σ_actives e^(−α·r_i/N) divided by its expectation for a uniformly random ranking,
  /// (n_a/N)·(1 − e^(−α)) / (e^(α/N) − 1); r_i are 1-based ranks. α > 0 (UsageError otherwise).
  double rie(double alpha = 20.0) const;
  /// BEDROC = RIE · R_a·sinh(α/2) / (cosh(α/2) − cosh(α/2 − α·R_a)) + 1 / (1 − e^(α(1−R_a))), R_a = n_a/N, which
  /// maps RIE onto [0, 1]: 1 when all actives rank first, 0 when they all rank last, ≈ 1/α for a random ranking
  /// when R_a is small.
  /// With α = 20, ~80 % of the score comes from the top 8 % of the list. Same formula as RDKit's
  /// rdkit.ML.Scoring.Scoring.CalcBEDROC (which breaks ties by input order instead).
  double bedroc(double alpha = 20.0) const;
  RocCurve roc_curve() const;

 private:
  struct Group {
    std::size_t size, actives;
  };
  std::vector<Group> groups_;  ///< in rank order (best score first)
  std::size_t n_ = 0, n_actives_ = 0;
};

struct VsMetricsOptions {
  bool ascending = false;  ///< lower score = more likely active
  double bedroc_alpha = 20.0;
  std::vector<double> ef_fractions{0.01, 0.05};  ///< EF1% and EF5%
};

struct VsMetrics {
  std::size_t n = 0, n_actives = 0, n_decoys = 0, n_tie_groups = 0;
  double roc_auc = 0, average_precision = 0, rie = 0, bedroc = 0, bedroc_alpha = 20.0;
  std::vector<EnrichmentFactor> enrichment;  ///< one per VsMetricsOptions::ef_fractions, same order
};

/// All metrics of one ranked list.
VsMetrics compute_vs_metrics(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels,
                             const VsMetricsOptions& options = {});

}  // namespace hitforge::core
