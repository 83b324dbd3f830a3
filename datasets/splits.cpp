#include "datasets/splits.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"

namespace hitforge::data {
using core::str_cat;
using core::UsageError;

namespace {

enum Subset : int { kTrain = 0, kValid = 1, kTest = 2 };

// Sorted copy of the candidates after checking them; `table_size` (when >= 0) is the length of the per-record array
// the indices will be looked up in.
std::vector<std::int64_t> checked_candidates(const std::vector<std::int64_t>& indices, std::int64_t table_size,
                                             const char* table_name) {
  std::vector<std::int64_t> v(indices);
  std::sort(v.begin(), v.end());
  if (!v.empty() && v.front() < 0) throw UsageError(str_cat("split: negative index ", v.front()));
  auto dup = std::adjacent_find(v.begin(), v.end());
  if (dup != v.end()) throw UsageError(str_cat("split: index ", *dup, " appears more than once"));
  if (table_size >= 0 && !v.empty() && v.back() >= table_size)
    throw UsageError(str_cat("split: index ", v.back(), " is out of range for ", table_name, " (", table_size,
                             " entries)"));
  return v;
}

Split finish(std::array<std::vector<std::int64_t>, 3> parts) {
  Split s;
  s.train = std::move(parts[kTrain]);
  s.valid = std::move(parts[kValid]);
  s.test = std::move(parts[kTest]);
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

std::array<std::int64_t, 3> counts_array(std::int64_t n, const SplitSizes& sizes) {
  SplitCounts c = split_counts(n, sizes);
  return {c.train, c.valid, c.test};
}

// Places whole groups, in the given order, by where each group's midpoint falls on the cumulative count.
// Returns the subset of every group (parallel to `group_sizes`).
std::vector<int> place_by_midpoint(const std::vector<std::int64_t>& group_sizes, const SplitSizes& sizes) {
  std::int64_t total = 0;
  for (auto s : group_sizes) total += s;
  auto c = counts_array(total, sizes);
  const std::int64_t b1 = c[kTrain], b2 = c[kTrain] + c[kValid];
  std::vector<int> where(group_sizes.size());
  std::int64_t cum = 0;
  for (std::size_t g = 0; g < group_sizes.size(); ++g) {
    std::int64_t mid2 = 2 * cum + group_sizes[g];  // twice the midpoint, to stay in integers
    where[g] = mid2 < 2 * b1 ? kTrain : (mid2 < 2 * b2 ? kValid : kTest);
    cum += group_sizes[g];
  }
  return where;
}

bool is_integer_value(double v) { return std::floor(v) == v; }

std::string lower_dashed(std::string_view s) {
  std::string out;
  for (char ch : s) out += ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

// ---- sizes ----

void SplitSizes::validate() const {
  for (double f : {train, valid, test})
    if (!std::isfinite(f) || f < 0)
      throw UsageError(str_cat("split sizes ", to_string(), ": every fraction must be a number >= 0"));
  double sum = train + valid + test;
  if (std::fabs(sum - 1.0) > 1e-6)
    throw UsageError(str_cat("split sizes ", to_string(), " sum to ", sum, "; they must sum to 1 (e.g. 0.8,0.1,0.1)"));
}

std::string SplitSizes::to_string() const {
  std::ostringstream os;
  os << train << ',' << valid << ',' << test;
  return os.str();
}

SplitSizes parse_split_sizes(std::string_view text) {
  std::vector<double> values;
  std::string s(text);
  std::size_t start = 0;
  while (true) {
    std::size_t comma = s.find(',', start);
    std::string field = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    // Trim spaces; an empty or non-numeric field is an error, not a zero.
    auto b = field.find_first_not_of(" \t");
    auto e = field.find_last_not_of(" \t");
    field = b == std::string::npos ? "" : field.substr(b, e - b + 1);
    char* end = nullptr;
    double v = field.empty() ? 0.0 : std::strtod(field.c_str(), &end);
    if (field.empty() || end != field.c_str() + field.size())
      throw UsageError(str_cat("split sizes '", text, "': '", field,
                               "' is not a number; expected three fractions like 0.8,0.1,0.1"));
    values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (values.size() != 3)
    throw UsageError(str_cat("split sizes '", text, "': expected three fractions train,valid,test like 0.8,0.1,0.1"));
  SplitSizes sizes{values[0], values[1], values[2]};
  sizes.validate();
  return sizes;
}

SplitCounts split_counts(std::int64_t n, const SplitSizes& sizes) {
  sizes.validate();
  HITFORGE_CHECK(n >= 0, "negative count ", n);
  const double sum = sizes.train + sizes.valid + sizes.test;
  const double ft = sizes.train / sum, fv = sizes.valid / sum;
  auto clamp = [n](std::int64_t v) { return std::min<std::int64_t>(std::max<std::int64_t>(v, 0), n); };
  // Cumulative rounding keeps each count within one of its exact share; a zero fraction always gets zero.
  std::int64_t a = sizes.train == 0 ? 0 : clamp(std::llround(ft * static_cast<double>(n)));
  std::int64_t b = sizes.test == 0 ? n : clamp(std::llround((ft + fv) * static_cast<double>(n)));
  if (sizes.valid == 0) b = a;
  b = std::max(a, b);
  return {a, b - a, n - b};
}

std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  HITFORGE_CHECK(bound > 0, "uniform_below(0)");
  // Reject the lowest 2^64 mod bound values so that the rest is an exact multiple of bound.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    std::uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

std::vector<std::int64_t> iota_indices(std::int64_t n) {
  if (n < 0) throw UsageError(str_cat("split: negative record count ", n));
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}

// ---- random ----

Split random_split(const std::vector<std::int64_t>& indices, const SplitSizes& sizes, std::uint64_t seed) {
  std::vector<std::int64_t> v = checked_candidates(indices, -1, "");
  auto c = counts_array(static_cast<std::int64_t>(v.size()), sizes);
  std::mt19937_64 rng(seed);
  deterministic_shuffle(v, rng);
  std::array<std::vector<std::int64_t>, 3> parts;
  auto it = v.begin();
  for (int k = 0; k < 3; ++k) {
    parts[k].assign(it, it + c[k]);
    it += c[k];
  }
  return finish(std::move(parts));
}

Split random_split(std::int64_t n, const SplitSizes& sizes, std::uint64_t seed) {
  return random_split(iota_indices(n), sizes, seed);
}

// ---- scaffold ----

Split scaffold_split(const std::vector<std::int64_t>& indices, const std::vector<std::string>& scaffold_keys,
                     const SplitSizes& sizes, std::uint64_t seed, bool balanced, AcyclicScaffolds acyclic) {
  std::vector<std::int64_t> v =
      checked_candidates(indices, static_cast<std::int64_t>(scaffold_keys.size()), "scaffold keys");
  auto target = counts_array(static_cast<std::int64_t>(v.size()), sizes);

  // Groups in a canonical order (by key, then acyclic singletons by index) so the result depends only on the seed.
  std::map<std::string, std::vector<std::int64_t>> by_key;
  std::vector<std::vector<std::int64_t>> groups;
  std::vector<std::int64_t> singletons;
  for (auto i : v) {
    const std::string& key = scaffold_keys[static_cast<std::size_t>(i)];
    if (key.empty() && acyclic == AcyclicScaffolds::singletons)
      singletons.push_back(i);
    else
      by_key[key].push_back(i);
  }
  for (auto& kv : by_key) groups.push_back(std::move(kv.second));
  for (auto i : singletons) groups.push_back({i});

  if (balanced) {
    // "Big" groups would overfill valid or test on their own; they go first so that they land in train.
    auto is_big = [&](std::size_t size) {
      auto s = static_cast<std::int64_t>(size);
      return (target[kValid] > 0 && 2 * s > target[kValid]) || (target[kTest] > 0 && 2 * s > target[kTest]);
    };
    std::vector<std::vector<std::int64_t>> big, small;
    for (auto& g : groups) (is_big(g.size()) ? big : small).push_back(std::move(g));
    std::mt19937_64 rng(seed);
    deterministic_shuffle(big, rng);
    deterministic_shuffle(small, rng);
    groups = std::move(big);
    for (auto& g : small) groups.push_back(std::move(g));
  } else {
    std::stable_sort(groups.begin(), groups.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
  }

  std::array<std::vector<std::int64_t>, 3> parts;
  for (auto& g : groups) {
    auto s = static_cast<std::int64_t>(g.size());
    int dest = -1;
    for (int k = 0; k < 3 && dest < 0; ++k)
      if (target[k] > 0 && static_cast<std::int64_t>(parts[k].size()) + s <= target[k]) dest = k;
    if (dest < 0) {
      // Fits nowhere: the subset with the most room left (it may overshoot; a group is never split).
      std::int64_t best_room = 0;
      for (int k = 0; k < 3; ++k) {
        std::int64_t room = target[k] - static_cast<std::int64_t>(parts[k].size());
        if (target[k] > 0 && (dest < 0 || room > best_room)) dest = k, best_room = room;
      }
      if (dest < 0) dest = kTrain;  // every target is zero only when there are no candidates at all
    }
    parts[dest].insert(parts[dest].end(), g.begin(), g.end());
  }
  return finish(std::move(parts));
}

// ---- stratified ----

Split stratified_split(const std::vector<std::int64_t>& indices, const std::vector<double>& labels,
                       const SplitSizes& sizes, std::uint64_t seed, LabelKind kind, int n_bins) {
  std::vector<std::int64_t> v = checked_candidates(indices, static_cast<std::int64_t>(labels.size()), "labels");
  const auto n = static_cast<std::int64_t>(v.size());
  auto target = counts_array(n, sizes);

  std::vector<std::int64_t> finite, missing;
  for (auto i : v) (std::isfinite(labels[static_cast<std::size_t>(i)]) ? finite : missing).push_back(i);

  if (kind == LabelKind::auto_detect) {
    std::set<double> distinct;
    bool integral = true;
    for (auto i : finite) {
      double y = labels[static_cast<std::size_t>(i)];
      integral = integral && is_integer_value(y);
      if (integral && distinct.size() <= 20) distinct.insert(y);
    }
    kind = integral && distinct.size() <= 20 ? LabelKind::classes : LabelKind::continuous;
  }

  std::vector<std::vector<std::int64_t>> strata;
  if (kind == LabelKind::classes) {
    std::map<double, std::vector<std::int64_t>> by_class;
    for (auto i : finite) by_class[labels[static_cast<std::size_t>(i)]].push_back(i);
    for (auto& kv : by_class) strata.push_back(std::move(kv.second));
  } else {
    if (n_bins < 1) throw UsageError(str_cat("stratified split: need at least one bin, got ", n_bins));
    std::vector<std::int64_t> ranked(finite);
    std::stable_sort(ranked.begin(), ranked.end(), [&](std::int64_t a, std::int64_t b) {
      return labels[static_cast<std::size_t>(a)] < labels[static_cast<std::size_t>(b)];
    });
    const auto m = static_cast<std::int64_t>(ranked.size());
    strata.resize(static_cast<std::size_t>(n_bins));
    for (std::int64_t r = 0; r < m; ++r)
      strata[static_cast<std::size_t>(r * n_bins / m)].push_back(ranked[static_cast<std::size_t>(r)]);
  }
  strata.push_back(std::move(missing));

  // Shuffle within each stratum, lay the strata end to end and deal positions to the subset with the largest
  // deficit against its target share. Every contiguous run (so every stratum) gets its proportional share within
  // < 3 records, and the totals equal the targets exactly (each deficit stays above -1 record; they sum to zero).
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> order;
  order.reserve(v.size());
  for (auto& s : strata) {
    std::sort(s.begin(), s.end());
    deterministic_shuffle(s, rng);
    order.insert(order.end(), s.begin(), s.end());
  }
  std::array<std::vector<std::int64_t>, 3> parts;
  for (std::int64_t j = 0; j < n; ++j) {
    int best = -1;
    std::int64_t best_deficit = 0;
    for (int k = 0; k < 3; ++k) {
      if (target[k] == 0) continue;
      // deficit_k · n = target_k·(j+1) − assigned_k·n, in integers
      std::int64_t deficit = target[k] * (j + 1) - static_cast<std::int64_t>(parts[k].size()) * n;
      if (best < 0 || deficit > best_deficit) best = k, best_deficit = deficit;
    }
    HITFORGE_CHECK(best >= 0, "no subset with a positive target for ", n, " records");
    parts[best].push_back(order[static_cast<std::size_t>(j)]);
  }
  for (int k = 0; k < 3; ++k)
    HITFORGE_CHECK(static_cast<std::int64_t>(parts[k].size()) == target[k], "stratified deal missed its target");
  return finish(std::move(parts));
}

// ---- k-fold ----

std::vector<Split> kfold(const std::vector<std::int64_t>& indices, int k, std::uint64_t seed,
                         bool valid_from_next_fold) {
  std::vector<std::int64_t> v = checked_candidates(indices, -1, "");
  const auto n = static_cast<std::int64_t>(v.size());
  if (k < 2) throw UsageError(str_cat("k-fold split: need k >= 2 folds, got ", k));
  if (valid_from_next_fold && k < 3)
    throw UsageError(str_cat("k-fold split with a validation fold needs k >= 3 (got ", k,
                             "); use more folds or no validation fold"));
  if (n < k) throw UsageError(str_cat("k-fold split: ", n, " records cannot fill ", k, " folds"));
  std::mt19937_64 rng(seed);
  deterministic_shuffle(v, rng);
  std::vector<std::vector<std::int64_t>> folds(static_cast<std::size_t>(k));
  for (int f = 0; f < k; ++f) {
    std::int64_t lo = f * n / k, hi = (f + 1) * n / k;
    folds[static_cast<std::size_t>(f)].assign(v.begin() + lo, v.begin() + hi);
  }
  std::vector<Split> out;
  for (int f = 0; f < k; ++f) {
    const int vf = valid_from_next_fold ? (f + 1) % k : -1;
    std::array<std::vector<std::int64_t>, 3> parts;
    for (int g = 0; g < k; ++g) {
      int dest = g == f ? kTest : (g == vf ? kValid : kTrain);
      auto& fold = folds[static_cast<std::size_t>(g)];
      parts[dest].insert(parts[dest].end(), fold.begin(), fold.end());
    }
    out.push_back(finish(std::move(parts)));
  }
  return out;
}

// ---- cold (pair) splits ----

namespace {

// Subset of every group: groups (sorted ids) are shuffled and placed by midpoint of their pair counts.
std::map<std::int64_t, int> split_groups(const std::map<std::int64_t, std::int64_t>& pairs_per_group,
                                         const SplitSizes& sizes, std::mt19937_64& rng) {
  std::vector<std::int64_t> ids;
  for (auto& kv : pairs_per_group) ids.push_back(kv.first);
  deterministic_shuffle(ids, rng);
  std::vector<std::int64_t> weights;
  for (auto id : ids) weights.push_back(pairs_per_group.at(id));
  std::vector<int> where = place_by_midpoint(weights, sizes);
  std::map<std::int64_t, int> out;
  for (std::size_t g = 0; g < ids.size(); ++g) out[ids[g]] = where[g];
  return out;
}

std::map<std::int64_t, std::int64_t> count_groups(const std::vector<std::int64_t>& pairs,
                                                  const std::vector<std::int64_t>& group_of_pair) {
  std::map<std::int64_t, std::int64_t> counts;
  for (auto p : pairs) ++counts[group_of_pair[static_cast<std::size_t>(p)]];
  return counts;
}

}  // namespace

Split cold_split(const std::vector<std::int64_t>& pair_indices, const std::vector<std::int64_t>& group_of_pair,
                 const SplitSizes& sizes, std::uint64_t seed) {
  std::vector<std::int64_t> v =
      checked_candidates(pair_indices, static_cast<std::int64_t>(group_of_pair.size()), "the pair→group table");
  std::mt19937_64 rng(seed);
  auto where = split_groups(count_groups(v, group_of_pair), sizes, rng);
  std::array<std::vector<std::int64_t>, 3> parts;
  for (auto p : v) parts[where.at(group_of_pair[static_cast<std::size_t>(p)])].push_back(p);
  return finish(std::move(parts));
}

Split cold_both_split(const std::vector<std::int64_t>& pair_indices, const std::vector<std::int64_t>& drug_of_pair,
                      const std::vector<std::int64_t>& target_of_pair, const SplitSizes& sizes,
                      std::uint64_t seed) {
  std::vector<std::int64_t> v = checked_candidates(
      pair_indices, static_cast<std::int64_t>(std::min(drug_of_pair.size(), target_of_pair.size())),
      "the pair→drug / pair→target tables");
  sizes.validate();
  // A pair survives in subset S with probability g_S² when drugs and targets are split with fractions g; choosing
  // g_S ∝ sqrt(f_S) makes the surviving pairs come out in the requested proportions f.
  const double st = std::sqrt(sizes.train), sv = std::sqrt(sizes.valid), se = std::sqrt(sizes.test);
  const double sum = st + sv + se;
  SplitSizes entity{st / sum, sv / sum, se / sum};
  std::mt19937_64 rng(seed);
  auto drug_where = split_groups(count_groups(v, drug_of_pair), entity, rng);
  auto target_where = split_groups(count_groups(v, target_of_pair), entity, rng);
  std::array<std::vector<std::int64_t>, 3> parts;
  std::vector<std::int64_t> dropped;
  for (auto p : v) {
    int d = drug_where.at(drug_of_pair[static_cast<std::size_t>(p)]);
    int t = target_where.at(target_of_pair[static_cast<std::size_t>(p)]);
    (d == t ? parts[d] : dropped).push_back(p);
  }
  Split s = finish(std::move(parts));
  s.dropped = std::move(dropped);  // already sorted: v is
  return s;
}

// ---- predefined folds ----

Split fold_split(const std::vector<std::int64_t>& indices, const std::vector<std::int32_t>& fold_of, int test_fold,
                 int valid_fold) {
  std::vector<std::int64_t> v =
      checked_candidates(indices, static_cast<std::int64_t>(fold_of.size()), "the fold table");
  if (test_fold < 0) throw UsageError(str_cat("folds split: the test fold must be >= 0, got ", test_fold));
  if (valid_fold < -1) throw UsageError(str_cat("folds split: the validation fold must be >= 0 (or -1 for none), got ",
                                                valid_fold));
  if (valid_fold == test_fold)
    throw UsageError(str_cat("folds split: fold ", test_fold,
                             " cannot be both the test and the validation fold (select models on a training fold)"));
  std::array<std::vector<std::int64_t>, 3> parts;
  std::vector<std::int64_t> dropped;
  for (auto i : v) {
    const int f = fold_of[static_cast<std::size_t>(i)];
    if (f < 0) dropped.push_back(i);
    else parts[f == test_fold ? kTest : (f == valid_fold ? kValid : kTrain)].push_back(i);
  }
  Split s = finish(std::move(parts));
  s.dropped = std::move(dropped);  // already sorted: v is
  return s;
}

// ---- dispatch ----

namespace {
constexpr std::array<std::pair<SplitMethod, const char*>, 8> kMethodNames{{
    {SplitMethod::random, "random"},
    {SplitMethod::scaffold, "scaffold"},
    {SplitMethod::stratified, "stratified"},
    {SplitMethod::kfold, "kfold"},
    {SplitMethod::cold_drug, "cold-drug"},
    {SplitMethod::cold_target, "cold-target"},
    {SplitMethod::cold_both, "cold-both"},
    {SplitMethod::folds, "folds"},
}};
}  // namespace

std::string split_method_names() {
  std::string out;
  for (auto& [m, name] : kMethodNames) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

SplitMethod parse_split_method(std::string_view name) {
  std::string key = lower_dashed(name);
  for (auto& [m, n] : kMethodNames)
    if (key == n) return m;
  throw UsageError(str_cat("unknown split method '", name, "' (choose one of ", split_method_names(), ")"));
}

std::string split_method_name(SplitMethod method) {
  for (auto& [m, n] : kMethodNames)
    if (m == method) return n;
  HITFORGE_CHECK(false, "unnamed split method ", static_cast<int>(method));
  return {};
}

std::vector<Split> make_splits(SplitMethod method, const SplitInputs& in, const SplitSizes& sizes,
                               std::uint64_t seed) {
  auto need = [&](bool present, const char* what) {
    if (!present)
      throw UsageError(str_cat("the ", split_method_name(method), " split needs ", what,
                               ", which this dataset does not provide"));
  };
  switch (method) {
    case SplitMethod::random:
      return {random_split(in.indices, sizes, seed)};
    case SplitMethod::scaffold:
      need(!in.scaffold_keys.empty(), "scaffold keys (build the dataset with scaffolds)");
      return {scaffold_split(in.indices, in.scaffold_keys, sizes, seed, in.balanced_scaffolds)};
    case SplitMethod::stratified:
      need(!in.labels.empty(), "labels (a target column)");
      return {stratified_split(in.indices, in.labels, sizes, seed)};
    case SplitMethod::kfold:
      return kfold(in.indices, in.folds, seed, in.kfold_valid);
    case SplitMethod::cold_drug:
      need(!in.drug_of_pair.empty(), "drug ids per pair (a drug–target pair dataset)");
      return {cold_split(in.indices, in.drug_of_pair, sizes, seed)};
    case SplitMethod::cold_target:
      need(!in.target_of_pair.empty(), "target ids per pair (a drug–target pair dataset)");
      return {cold_split(in.indices, in.target_of_pair, sizes, seed)};
    case SplitMethod::cold_both:
      need(!in.drug_of_pair.empty() && !in.target_of_pair.empty(),
           "drug and target ids per pair (a drug–target pair dataset)");
      return {cold_both_split(in.indices, in.drug_of_pair, in.target_of_pair, sizes, seed)};
    case SplitMethod::folds:
      need(!in.fold_of.empty(), "predefined folds (a pair dataset built with --folds or a fold column)");
      return {fold_split(in.indices, in.fold_of, in.test_fold, in.valid_fold)};
  }
  HITFORGE_CHECK(false, "unhandled split method");
  return {};
}

}  // namespace hitforge::data
