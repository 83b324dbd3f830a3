#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "datasets/splits.h"

using namespace hitforge;
using namespace hitforge::data;
using Indices = std::vector<std::int64_t>;

namespace {

// Subsets sorted, pairwise disjoint, and together exactly `candidates` (minus `dropped`).
void check_partition(const Split& s, Indices candidates) {
  for (const Indices* part : {&s.train, &s.valid, &s.test, &s.dropped})
    CHECK(std::is_sorted(part->begin(), part->end()));
  Indices all;
  for (const Indices* part : {&s.train, &s.valid, &s.test, &s.dropped}) all.insert(all.end(), part->begin(), part->end());
  std::sort(all.begin(), all.end());
  std::sort(candidates.begin(), candidates.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());  // disjoint
  CHECK(all == candidates);                                        // covering
}

bool same(const Split& a, const Split& b) { return a.train == b.train && a.valid == b.valid && a.test == b.test; }

template <class T>
std::set<T> values_of(const Indices& idx, const std::vector<T>& table) {
  std::set<T> out;
  for (auto i : idx) out.insert(table[static_cast<std::size_t>(i)]);
  return out;
}

template <class T>
bool disjoint(const std::set<T>& a, const std::set<T>& b) {
  for (const auto& x : a)
    if (b.count(x)) return false;
  return true;
}

}  // namespace

// ---- sizes ----

TEST_CASE("split sizes parse, validate and round-trip", "[datasets]") {
  SplitSizes s = parse_split_sizes("0.8,0.1,0.1");
  CHECK(s.train == 0.8);
  CHECK(s.valid == 0.1);
  CHECK(s.test == 0.1);
  CHECK(parse_split_sizes(" 0.7 , 0.2 ,0.1 ").valid == 0.2);
  CHECK(parse_split_sizes("0.9,0,0.1").valid == 0.0);
  CHECK(parse_split_sizes(s.to_string()).test == 0.1);
  CHECK_NOTHROW(SplitSizes{0.8, 0.1, 0.1 + 5e-7}.validate());
  for (const char* bad : {"0.8,0.1", "0.8,0.1,0.1,0", "0.8,0.2,0.1", "1.1,-0.1,0", "a,b,c", "0.8,,0.2", "", "nan,0,1"})
    CHECK_THROWS_AS(parse_split_sizes(bad), core::UsageError);
  CHECK_THROWS_AS((SplitSizes{0.5, 0.5, 0.5}.validate()), core::UsageError);
}

TEST_CASE("split counts are within one of each share and zero fractions get nothing", "[datasets]") {
  for (std::int64_t n : {0, 1, 2, 3, 7, 10, 99, 1128, 41127}) {
    for (SplitSizes sz : {SplitSizes{0.8, 0.1, 0.1}, SplitSizes{0.7, 0.2, 0.1}, SplitSizes{1, 0, 0},
                          SplitSizes{0.9, 0, 0.1}, SplitSizes{0, 0.5, 0.5}}) {
      SplitCounts c = split_counts(n, sz);
      CHECK(c.train + c.valid + c.test == n);
      CHECK(std::fabs(c.train - sz.train * n) <= 1.0);
      CHECK(std::fabs(c.valid - sz.valid * n) <= 1.0);
      CHECK(std::fabs(c.test - sz.test * n) <= 1.0);
      if (sz.valid == 0) CHECK(c.valid == 0);
      if (sz.train == 0) CHECK(c.train == 0);
    }
  }
}

TEST_CASE("deterministic shuffle is a permutation fixed by the seed", "[datasets]") {
  Indices a = iota_indices(1000), b = a;
  std::mt19937_64 r1(7), r2(7);
  deterministic_shuffle(a, r1);
  deterministic_shuffle(b, r2);
  CHECK(a == b);
  CHECK(a != iota_indices(1000));
  std::sort(a.begin(), a.end());
  CHECK(a == iota_indices(1000));
  // uniform_below stays in range, including bounds that are not powers of two.
  std::mt19937_64 r(1);
  for (std::uint64_t bound : {1ull, 2ull, 3ull, 1000ull, (1ull << 63) + 1})
    for (int i = 0; i < 100; ++i) CHECK(uniform_below(r, bound) < bound);
}

// ---- random ----

TEST_CASE("random split respects sizes, partitions the candidates and depends only on the seed", "[datasets]") {
  const Indices all = iota_indices(1000);
  Split s = random_split(1000, {0.8, 0.1, 0.1}, 42);
  check_partition(s, all);
  CHECK(s.train.size() == 800);
  CHECK(s.valid.size() == 100);
  CHECK(s.test.size() == 100);

  CHECK(same(s, random_split(all, {0.8, 0.1, 0.1}, 42)));
  Indices reversed(all.rbegin(), all.rend());
  CHECK(same(s, random_split(reversed, {0.8, 0.1, 0.1}, 42)));  // candidate order is irrelevant
  CHECK_FALSE(same(s, random_split(all, {0.8, 0.1, 0.1}, 43)));

  // Odd sizes: each subset within one of its share.
  Split odd = random_split(1129, {0.7, 0.2, 0.1}, 3);
  CHECK(std::fabs(odd.train.size() - 0.7 * 1129) <= 1.0);
  CHECK(std::fabs(odd.valid.size() - 0.2 * 1129) <= 1.0);
  CHECK(std::fabs(odd.test.size() - 0.1 * 1129) <= 1.0);
}

TEST_CASE("random split only uses the given candidates", "[datasets]") {
  Indices candidates;
  for (std::int64_t i = 0; i < 500; ++i)
    if (i % 7 != 0) candidates.push_back(i);  // records 0, 7, 14, ... are invalid
  Split s = random_split(candidates, {0.8, 0.1, 0.1}, 1);
  check_partition(s, candidates);
  CHECK_THROWS_AS(random_split(Indices{1, 2, 2}, {0.8, 0.1, 0.1}, 1), core::UsageError);
  CHECK_THROWS_AS(random_split(Indices{-1, 2}, {0.8, 0.1, 0.1}, 1), core::UsageError);
}

TEST_CASE("random split is the same on every platform (golden values)", "[datasets]") {
  // Pinned output, reproduced by an independent Python implementation of MT19937-64 + the same Fisher–Yates with
  // rejection sampling. A change here changes every split made with hitforge: only update it deliberately.
  Split s = random_split(10, {0.6, 0.2, 0.2}, 2024);
  CHECK(s.train == (Indices{0, 1, 2, 3, 6, 8}));
  CHECK(s.valid == (Indices{5, 7}));
  CHECK(s.test == (Indices{4, 9}));
}

// ---- scaffold ----

namespace {
// 1000 records: scaffold "giant" on 300 records, then groups of sizes 1..12 with distinct keys, and 60 acyclic.
std::vector<std::string> scaffold_fixture() {
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("giant");
  int g = 0;
  while (keys.size() < 940) {
    int size = 1 + g % 12;
    for (int j = 0; j < size && keys.size() < 940; ++j) keys.push_back("scaf" + std::to_string(g));
    ++g;
  }
  while (keys.size() < 1000) keys.push_back("");
  return keys;
}
}  // namespace

TEST_CASE("scaffold split never shares a scaffold between subsets", "[datasets]") {
  const auto keys = scaffold_fixture();
  const Indices all = iota_indices(1000);
  for (bool balanced : {true, false}) {
    for (std::uint64_t seed : {0u, 1u, 2u}) {
      Split s = scaffold_split(all, keys, {0.8, 0.1, 0.1}, seed, balanced, AcyclicScaffolds::one_group);
      check_partition(s, all);
      auto tr = values_of(s.train, keys), va = values_of(s.valid, keys), te = values_of(s.test, keys);
      CHECK(disjoint(tr, va));
      CHECK(disjoint(tr, te));
      CHECK(disjoint(va, te));
      // Groups are at most 12 records (besides the giant one), so the subsets land near their targets.
      CHECK(std::abs(static_cast<long>(s.train.size()) - 800) <= 12);
      CHECK(std::abs(static_cast<long>(s.test.size()) - 100) <= 12);
    }
  }
}

TEST_CASE("balanced scaffold split puts the giant scaffold in train and varies small ones with the seed", "[datasets]") {
  const auto keys = scaffold_fixture();
  const Indices all = iota_indices(1000);
  Split a = scaffold_split(all, keys, {0.8, 0.1, 0.1}, 11);
  Split b = scaffold_split(all, keys, {0.8, 0.1, 0.1}, 12);
  for (const Split* s : {&a, &b}) {
    CHECK(values_of(s->train, keys).count("giant") == 1);
    // Big groups (> half of a 100-record target) never reach valid or test; here only "giant" is that big.
    CHECK(values_of(s->valid, keys).count("giant") == 0);
    CHECK(values_of(s->test, keys).count("giant") == 0);
  }
  CHECK(same(a, scaffold_split(all, keys, {0.8, 0.1, 0.1}, 11)));
  CHECK_FALSE(same(a, b));
}

TEST_CASE("balanced scaffold split keeps a group bigger than half the test set out of test", "[datasets]") {
  // 200 records: a 30-record group (> half of the 20-record test target) must go to train even when it would fit.
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("big");
  for (int i = 30; i < 200; ++i) keys.push_back("s" + std::to_string(i));
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Split s = scaffold_split(iota_indices(200), keys, {0.8, 0.1, 0.1}, seed);
    CHECK(values_of(s.train, keys).count("big") == 1);
  }
}

TEST_CASE("unbalanced scaffold split is seed-independent and leaves the smallest scaffolds to test", "[datasets]") {
  const auto keys = scaffold_fixture();
  const Indices all = iota_indices(1000);
  Split a = scaffold_split(all, keys, {0.8, 0.1, 0.1}, 1, false);
  CHECK(same(a, scaffold_split(all, keys, {0.8, 0.1, 0.1}, 99, false)));
  std::map<std::string, int> group_size;
  for (const auto& k : keys) ++group_size[k];
  group_size[""] = 1;  // acyclic molecules are singletons by default
  int largest_test_group = 0;
  for (auto i : a.test) largest_test_group = std::max(largest_test_group, group_size[keys[static_cast<std::size_t>(i)]]);
  // Largest groups first: train takes the giant and the 12..4-record groups; test only gets the small tail (a group
  // that no longer fits train may still be a little larger than a later one that does).
  CHECK(values_of(a.train, keys).count("giant") == 1);
  CHECK(largest_test_group <= 3);
}

TEST_CASE("acyclic molecules are singletons by default, one group on request", "[datasets]") {
  // Half the records are acyclic, the rest have unique ring scaffolds. As one group (bigger than half the test
  // target) the acyclic ones all land in train; as singletons they spread over every subset like a random split.
  std::vector<std::string> keys(200, "");
  for (int i = 100; i < 200; ++i) keys[static_cast<std::size_t>(i)] = "r" + std::to_string(i);
  Split singles = scaffold_split(iota_indices(200), keys, {0.8, 0.1, 0.1}, 5);
  for (const Indices* part : {&singles.train, &singles.valid, &singles.test})
    CHECK(values_of(*part, keys).count("") == 1);
  Split lumped = scaffold_split(iota_indices(200), keys, {0.8, 0.1, 0.1}, 5, true, AcyclicScaffolds::one_group);
  CHECK(values_of(lumped.train, keys).count("") == 1);
  CHECK(values_of(lumped.valid, keys).count("") == 0);
  CHECK(values_of(lumped.test, keys).count("") == 0);
}

TEST_CASE("scaffold split checks its inputs", "[datasets]") {
  std::vector<std::string> keys = {"a", "b"};
  CHECK_THROWS_AS(scaffold_split(Indices{0, 1, 2}, keys, {0.8, 0.1, 0.1}, 1), core::UsageError);
  CHECK_THROWS_AS(scaffold_split(Indices{0, 1}, keys, {0.8, 0.2, 0.1}, 1), core::UsageError);
}

// ---- stratified ----

TEST_CASE("stratified split keeps class proportions in every subset", "[datasets]") {
  // 1000 records: 900 of class 0, 80 of class 1, 20 unlabeled (NaN).
  std::vector<double> labels(1000, 0.0);
  for (int i = 0; i < 80; ++i) labels[static_cast<std::size_t>(i * 12 + 5)] = 1.0;
  for (int i = 0; i < 20; ++i)  // even indices, so never one of the (odd) positives
    labels[static_cast<std::size_t>(i * 50 + 4)] = std::numeric_limits<double>::quiet_NaN();
  const Indices all = iota_indices(1000);
  Split s = stratified_split(all, labels, {0.8, 0.1, 0.1}, 9);
  check_partition(s, all);
  CHECK(s.train.size() == 800);
  CHECK(s.valid.size() == 100);
  CHECK(s.test.size() == 100);
  auto count = [&](const Indices& part, auto pred) {
    return std::count_if(part.begin(), part.end(), [&](std::int64_t i) { return pred(labels[static_cast<std::size_t>(i)]); });
  };
  auto is_pos = [](double y) { return y == 1.0; };
  auto is_nan = [](double y) { return std::isnan(y); };
  CHECK(std::abs(count(s.train, is_pos) - 64) <= 2);
  CHECK(std::abs(count(s.valid, is_pos) - 8) <= 2);
  CHECK(std::abs(count(s.test, is_pos) - 8) <= 2);
  CHECK(std::abs(count(s.test, is_nan) - 2) <= 2);
  CHECK(count(s.train, is_nan) >= 14);
  CHECK(same(s, stratified_split(all, labels, {0.8, 0.1, 0.1}, 9)));
  CHECK_FALSE(same(s, stratified_split(all, labels, {0.8, 0.1, 0.1}, 10)));
}

TEST_CASE("stratified split bins continuous labels by quantile", "[datasets]") {
  // Labels increase with the index, so each decile is a contiguous index range; each subset must sample every decile.
  std::vector<double> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(std::exp(i / 100.0));
  Split s = stratified_split(iota_indices(1000), labels, {0.8, 0.1, 0.1}, 4);
  check_partition(s, iota_indices(1000));
  std::vector<int> test_per_decile(10, 0);
  for (auto i : s.test) ++test_per_decile[static_cast<std::size_t>(i / 100)];
  for (int c : test_per_decile) CHECK(std::abs(c - 10) <= 2);
  // Forcing classes on real-valued labels is allowed (every value its own class) and still partitions.
  check_partition(stratified_split(iota_indices(1000), labels, {0.8, 0.1, 0.1}, 4, LabelKind::classes),
                  iota_indices(1000));
}

// ---- k-fold ----

TEST_CASE("k-fold puts every record in exactly one test fold", "[datasets]") {
  Indices candidates;
  for (std::int64_t i = 0; i < 103; ++i) candidates.push_back(3 * i);
  auto folds = kfold(candidates, 5, 8);
  REQUIRE(folds.size() == 5);
  std::map<std::int64_t, int> times_in_test;
  for (std::size_t f = 0; f < folds.size(); ++f) {
    check_partition(folds[f], candidates);
    CHECK((folds[f].test.size() == 20 || folds[f].test.size() == 21));
    CHECK(folds[f].valid == folds[(f + 1) % 5].test);  // valid = the next fold's test fold
    for (auto i : folds[f].test) ++times_in_test[i];
  }
  CHECK(times_in_test.size() == candidates.size());
  for (auto& kv : times_in_test) CHECK(kv.second == 1);
  CHECK(same(folds[0], kfold(candidates, 5, 8)[0]));
  CHECK_FALSE(same(folds[0], kfold(candidates, 5, 9)[0]));

  auto no_valid = kfold(candidates, 2, 8, false);
  REQUIRE(no_valid.size() == 2);
  CHECK(no_valid[0].valid.empty());
  CHECK(no_valid[0].train == no_valid[1].test);
  CHECK_THROWS_AS(kfold(candidates, 2, 8, true), core::UsageError);
  CHECK_THROWS_AS(kfold(candidates, 1, 8), core::UsageError);
  CHECK_THROWS_AS(kfold(Indices{1, 2}, 3, 8), core::UsageError);
}

// ---- pair splits ----

namespace {
// A Davis-like grid: 40 drugs x 30 targets, pair p = (p / 30, p % 30), with every 7th pair missing.
struct PairFixture {
  Indices pairs;
  std::vector<std::int64_t> drug, target;
  PairFixture() {
    for (std::int64_t p = 0; p < 1200; ++p) {
      drug.push_back(p / 30);
      target.push_back(p % 30);
      if (p % 7 != 3) pairs.push_back(p);
    }
  }
};
}  // namespace

TEST_CASE("cold-drug and cold-target splits share no group between subsets", "[datasets]") {
  PairFixture fx;
  for (const auto* groups : {&fx.drug, &fx.target}) {
    Split s = cold_split(fx.pairs, *groups, {0.8, 0.1, 0.1}, 17);
    check_partition(s, fx.pairs);
    auto tr = values_of(s.train, *groups), va = values_of(s.valid, *groups), te = values_of(s.test, *groups);
    CHECK(disjoint(tr, va));
    CHECK(disjoint(tr, te));
    CHECK(disjoint(va, te));
    CHECK_FALSE(va.empty());
    CHECK_FALSE(te.empty());
    // Whole groups of ~26-35 pairs: each subset within one group of its target.
    const double n = static_cast<double>(fx.pairs.size());
    CHECK(std::fabs(s.train.size() - 0.8 * n) <= 40);
    CHECK(std::fabs(s.test.size() - 0.1 * n) <= 40);
    CHECK(same(s, cold_split(fx.pairs, *groups, {0.8, 0.1, 0.1}, 17)));
    CHECK_FALSE(same(s, cold_split(fx.pairs, *groups, {0.8, 0.1, 0.1}, 18)));
  }
}

TEST_CASE("cold-both test pairs have drugs and targets unseen in train; mixed pairs are dropped", "[datasets]") {
  PairFixture fx;
  Split s = cold_both_split(fx.pairs, fx.drug, fx.target, {0.8, 0.1, 0.1}, 23);
  check_partition(s, fx.pairs);  // train + valid + test + dropped == candidates
  CHECK_FALSE(s.test.empty());
  CHECK_FALSE(s.valid.empty());
  CHECK_FALSE(s.dropped.empty());
  auto train_drugs = values_of(s.train, fx.drug), train_targets = values_of(s.train, fx.target);
  for (const Indices* held_out : {&s.valid, &s.test}) {
    CHECK(disjoint(values_of(*held_out, fx.drug), train_drugs));
    CHECK(disjoint(values_of(*held_out, fx.target), train_targets));
  }
  CHECK(disjoint(values_of(s.valid, fx.drug), values_of(s.test, fx.drug)));
  CHECK(disjoint(values_of(s.valid, fx.target), values_of(s.test, fx.target)));
  // Every dropped pair mixes subsets: its drug and target are not in the same kept subset.
  for (auto p : s.dropped) {
    auto d = fx.drug[static_cast<std::size_t>(p)], t = fx.target[static_cast<std::size_t>(p)];
    bool both_train = train_drugs.count(d) && train_targets.count(t);
    CHECK_FALSE(both_train);
  }
  // sqrt-scaled entity fractions keep the kept pairs near 80/10/10.
  const double kept = static_cast<double>(s.train.size() + s.valid.size() + s.test.size());
  CHECK(s.train.size() / kept == Approx(0.8).margin(0.1));
  CHECK(s.test.size() / kept == Approx(0.1).margin(0.07));
}

// ---- dispatch ----

TEST_CASE("split methods parse by name and dispatch with their inputs", "[datasets]") {
  CHECK(parse_split_method("random") == SplitMethod::random);
  CHECK(parse_split_method("Cold_Drug") == SplitMethod::cold_drug);
  CHECK(parse_split_method("cold-both") == SplitMethod::cold_both);
  for (auto m : {SplitMethod::random, SplitMethod::scaffold, SplitMethod::stratified, SplitMethod::kfold,
                 SplitMethod::cold_drug, SplitMethod::cold_target, SplitMethod::cold_both})
    CHECK(parse_split_method(split_method_name(m)) == m);
  try {
    parse_split_method("temporal");
    FAIL("expected UsageError");
  } catch (const core::UsageError& e) {
    CHECK(std::string(e.what()).find("cold-target") != std::string::npos);
  }

  PairFixture fx;
  SplitInputs in;
  in.indices = fx.pairs;
  CHECK(make_splits(SplitMethod::random, in, {0.8, 0.1, 0.1}, 1).size() == 1);
  CHECK(make_splits(SplitMethod::kfold, in, {0.8, 0.1, 0.1}, 1).size() == 5);
  CHECK_THROWS_AS(make_splits(SplitMethod::scaffold, in, {0.8, 0.1, 0.1}, 1), core::UsageError);
  CHECK_THROWS_AS(make_splits(SplitMethod::cold_both, in, {0.8, 0.1, 0.1}, 1), core::UsageError);
  in.drug_of_pair = fx.drug;
  in.target_of_pair = fx.target;
  auto cold = make_splits(SplitMethod::cold_target, in, {0.8, 0.1, 0.1}, 1);
  REQUIRE(cold.size() == 1);
  CHECK(same(cold[0], cold_split(fx.pairs, fx.target, {0.8, 0.1, 0.1}, 1)));
}
