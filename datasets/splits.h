#pragma once
// Train/valid/test splits as pure functions over record indices: no HDF5, no RDKit. Callers pass the candidate
// indices (e.g. Dataset::valid_indices(), so records that failed to parse are never split) plus whatever per-record
// data the method needs (scaffold keys, labels, drug/target ids).
//
// Conventions shared by every function here:
//   * Per-record arrays (`scaffold_keys`, `labels`, `group_of_pair`, ...) are indexed by RECORD index, not by
//     position in `indices`: `labels[i]` is the label of record i. They must be longer than the largest index;
//     entries of records not in `indices` are ignored.
//   * Candidate indices must be non-negative and distinct (UsageError otherwise); their order does not matter.
//   * Every returned subset is sorted ascending; the subsets are disjoint and (except for cold_both_split's
//     dropped pairs) cover the candidates exactly.
//   * Deterministic for a given seed on every platform and standard library: randomness comes only from
//     std::mt19937_64 (whose output sequence the C++ standard fixes) through deterministic_shuffle() below, never
//     from std::shuffle or std::uniform_int_distribution (implementation-defined).
//   * Target counts: n_train = round(f_train·n), n_train + n_valid = round((f_train + f_valid)·n), test = rest, with
//     the fractions normalised to sum to 1. random_split, stratified_split and kfold meet them exactly; the
//     group-based methods (scaffold, cold) cannot split a group, so they land near them.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::data {

/// One split. Indices are record indices (or pair indices for pair data), sorted ascending.
struct Split {
  std::vector<std::int64_t> train, valid, test;
  /// Candidates deliberately left out of every subset (cold_both_split: pairs whose drug and target fall in
  /// different subsets). Empty for every other method.
  std::vector<std::int64_t> dropped;
};

/// A split with the name and parameters it is stored under (/splits/<name> in a dataset file).
struct NamedSplit {
  std::string name, method, sizes;
  std::int64_t seed = 0;
  Split split;
};

/// Fractions of the candidates for train/valid/test.
struct SplitSizes {
  double train = 0.8, valid = 0.1, test = 0.1;
  /// UsageError unless every fraction is finite and >= 0 and they sum to 1 within 1e-6.
  void validate() const;
  /// "0.8,0.1,0.1" (the format parse_split_sizes reads).
  std::string to_string() const;
};

/// Parses "0.8,0.1,0.1" (three comma-separated fractions; spaces allowed) and validates it. UsageError otherwise.
SplitSizes parse_split_sizes(std::string_view text);

/// Target subset sizes for `n` candidates (see the header comment): {train, valid, test}, summing to n.
struct SplitCounts {
  std::int64_t train = 0, valid = 0, test = 0;
};
SplitCounts split_counts(std::int64_t n, const SplitSizes& sizes);

/// Uniform integer in [0, bound) from `rng` (bound > 0), by rejection sampling: the same value for the same
/// generator state on every platform.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound);

/// Fisher–Yates shuffle driven by uniform_below(): platform-independent, unlike std::shuffle.
template <class T>
void deterministic_shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(uniform_below(rng, i));
    if (j != i - 1) std::swap(v[i - 1], v[j]);
  }
}

/// 0, 1, ..., n-1.
std::vector<std::int64_t> iota_indices(std::int64_t n);

// ---- molecule-level splits ----

/// Shuffles the candidates with `seed` and cuts them at the target counts.
Split random_split(const std::vector<std::int64_t>& indices, const SplitSizes& sizes, std::uint64_t seed);
/// random_split over all records 0..n-1.
Split random_split(std::int64_t n, const SplitSizes& sizes, std::uint64_t seed);

/// What an empty scaffold key (an acyclic molecule: Murcko scaffold "") means for scaffold_split.
enum class AcyclicScaffolds {
  /// Default. Each acyclic molecule is its own group. Acyclic molecules share no ring system, so lumping them
  /// together would invent one large artificial "scaffold" (in ESOL, ~20% of the set) that the balanced rule then
  /// forces into train; as singletons they are spread like a random split. The empty key therefore CAN appear in
  /// several subsets.
  singletons,
  /// All acyclic molecules form one group keyed "" (what chemprop and DeepChem do).
  one_group,
};

/// Scaffold split: records with the same scaffold key always land in the same subset, so no (non-empty) scaffold
/// appears in two subsets.
///   balanced = true (chemprop's "scaffold_balanced"): groups larger than half the valid or half the test target
///     ("big" groups) are placed first, then the rest; each part is shuffled with `seed`. A group goes to train if
///     it fits in train's target, else valid, else test; a group that fits nowhere goes to the subset with the most
///     room left. Big scaffolds thus end up in train and valid/test get many small, diverse scaffolds.
///   balanced = false: deterministic and seed-independent: groups by decreasing size (ties by key), same placement
///     rule, i.e. the largest scaffolds fill train and the rarest ones form test.
/// `scaffold_keys[i]` is record i's key (e.g. chem::murcko_scaffold(...).smiles).
Split scaffold_split(const std::vector<std::int64_t>& indices, const std::vector<std::string>& scaffold_keys,
                     const SplitSizes& sizes, std::uint64_t seed, bool balanced = true,
                     AcyclicScaffolds acyclic = AcyclicScaffolds::singletons);

/// How stratified_split reads labels.
enum class LabelKind {
  /// classes when every finite label is an integer value and there are at most 20 distinct values,
  /// else continuous.
  auto_detect,
  classes,     ///< one stratum per distinct label value
  continuous,  ///< `n_bins` quantile bins over the finite labels
};

/// Stratified split: every stratum (class, or quantile bin of a continuous label) is split in the same proportions
/// as the whole (each stratum's subset counts are within ±2 of its own target; global counts exactly as in
/// random_split). NaN/inf labels form one extra stratum of their own, so unlabeled records are spread across the
/// subsets in proportion too. `labels[i]` is record i's label (for multi-task data pass the task to stratify on).
Split stratified_split(const std::vector<std::int64_t>& indices, const std::vector<double>& labels,
                       const SplitSizes& sizes, std::uint64_t seed, LabelKind kind = LabelKind::auto_detect,
                       int n_bins = 10);

/// K-fold cross-validation: the shuffled candidates are cut into k folds whose sizes differ by at most one.
/// Split f has test = fold f; valid = fold (f+1) mod k when `valid_from_next_fold` (needs k >= 3), else empty;
/// train = all other folds. Every candidate is in exactly one test fold (and one valid fold when used).
std::vector<Split> kfold(const std::vector<std::int64_t>& indices, int k, std::uint64_t seed,
                         bool valid_from_next_fold = true);

// ---- pair (drug–target) splits; indices are pair indices ----

/// Cold split by group: `group_of_pair[p]` is pair p's group (its drug index for cold-drug, its target index for
/// cold-target). Groups are shuffled with `seed` and placed whole, in order, by where the midpoint of each group
/// falls on the cumulative pair count, so subset sizes (in pairs) are near their targets and no group is shared
/// between subsets.
Split cold_split(const std::vector<std::int64_t>& pair_indices, const std::vector<std::int64_t>& group_of_pair,
                 const SplitSizes& sizes, std::uint64_t seed);

/// Cold-drug AND cold-target split: drugs and targets are each split into three disjoint sets (as in cold_split,
/// with entity fractions proportional to sqrt(fraction), so that the kept pairs come out near the requested
/// proportions). A pair is kept in subset S only when both its drug and its target are in S; every other pair mixes
/// subsets and is returned in `Split::dropped` (typically about half the pairs for 0.8/0.1/0.1). Hence valid and
/// test pairs have drugs AND targets never seen in train.
Split cold_both_split(const std::vector<std::int64_t>& pair_indices, const std::vector<std::int64_t>& drug_of_pair,
                      const std::vector<std::int64_t>& target_of_pair, const SplitSizes& sizes,
                      std::uint64_t seed);

// ---- predefined folds ----

/// Split by predefined folds, e.g. DeepDTA's "setting 1" (five training folds and one test fold).
/// `fold_of[i]` is candidate i's fold number (-1: in no fold). test = the candidates of `test_fold`; valid = those of
/// `valid_fold`, a fold carved out of the training folds so that model selection never looks at the test fold
/// (-1 = no validation set); train = the candidates of every other fold. Candidates in no fold go to `dropped`.
/// UsageError when test_fold < 0, valid_fold < -1, or valid_fold == test_fold. Seed-independent.
Split fold_split(const std::vector<std::int64_t>& indices, const std::vector<std::int32_t>& fold_of, int test_fold,
                 int valid_fold);

// ---- dispatch by name ----

enum class SplitMethod { random, scaffold, stratified, kfold, cold_drug, cold_target, cold_both, folds };

/// "random|scaffold|stratified|kfold|cold-drug|cold-target|cold-both|folds" (also accepts '_' for '-');
/// UsageError listing the names otherwise.
SplitMethod parse_split_method(std::string_view name);
/// The canonical name parse_split_method accepts ("cold-drug", ...).
std::string split_method_name(SplitMethod method);
/// All method names, '|'-separated, for help texts and error messages.
std::string split_method_names();

/// Everything a split may need; unused members may stay empty. Per-record arrays follow the header's convention.
struct SplitInputs {
  std::vector<std::int64_t> indices;           ///< candidate record (or pair) indices
  std::vector<std::string> scaffold_keys;      ///< scaffold
  std::vector<double> labels;                  ///< stratified
  std::vector<std::int64_t> drug_of_pair;      ///< cold-drug, cold-both
  std::vector<std::int64_t> target_of_pair;    ///< cold-target, cold-both
  bool balanced_scaffolds = true;              ///< scaffold
  int folds = 5;                               ///< kfold
  bool kfold_valid = true;                     ///< kfold: valid = next fold (needs folds >= 3), else empty
  std::vector<std::int32_t> fold_of;           ///< folds: predefined fold per record/pair (-1 = none)
  int test_fold = -1;                          ///< folds: the fold number held out as the test set
  int valid_fold = -1;                         ///< folds: the training fold used for validation (-1 = none)
};

/// Runs `method`: one Split, or `inputs.folds` splits for kfold. UsageError naming what is missing when the method
/// needs an input that is empty.
std::vector<Split> make_splits(SplitMethod method, const SplitInputs& inputs, const SplitSizes& sizes,
                               std::uint64_t seed);

}  // namespace hitforge::data
