// Protein sequence datasets for protein language models: the by-sequence split keeps identical sequences together,
// invalid sequences keep their rows with a reason, and the file reads back through data::Dataset.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "datasets/dataset.h"
#include "datasets/protein_builder.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::data;

TEST_CASE("sequence_split: identical sequences share a subset, fractions are met, invalid rows are left out",
          "[datasets][protein]") {
  std::vector<std::string> seqs;
  std::vector<std::uint8_t> status;
  for (int i = 0; i < 200; ++i) {
    seqs.push_back("MK" + std::to_string(i % 100));  // every sequence twice (i and i + 100)
    status.push_back(i == 7 ? 1 : 0);
  }
  for (auto& s : seqs)
    for (auto& c : s) c = static_cast<char>('A' + (c % 20));
  for (auto& c : seqs[150]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));  // case is no difference
  auto s = sequence_split(seqs, status, 0.1, 0.1, 3);
  CHECK(s.train.size() + s.valid.size() + s.test.size() == 199);
  CHECK(s.test.size() >= 19);
  CHECK(s.test.size() <= 21);
  CHECK(s.valid.size() >= 19);
  CHECK(s.valid.size() <= 21);
  std::map<std::string, int> subset_of;
  int k = 0;
  for (const auto* part : {&s.train, &s.valid, &s.test}) {
    for (auto i : *part) {
      CHECK(i != 7);
      std::string key = seqs[static_cast<std::size_t>(i)];
      for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto [it, added] = subset_of.emplace(key, k);
      CHECK(it->second == k);  // never in two subsets
    }
    ++k;
  }
  CHECK(sequence_split(seqs, status, 0.1, 0.1, 3).test == s.test);  // deterministic
  CHECK(sequence_split(seqs, status, 0.1, 0.1, 4).test != s.test);
  CHECK_THROWS_AS(sequence_split(seqs, status, 0.6, 0.5, 0), core::UsageError);
}

TEST_CASE("build_protein_dataset writes /proteins with tokens and the by_sequence split", "[datasets][protein]") {
  testing::TempDir dir;
  std::ofstream(dir.file("a.fasta")) << ">x1\nMKTAYIAKQR\n>x2\nGSGSG\n>bad\nMK*T\n";
  std::ofstream(dir.file("b.fasta")) << ">y1\nMKTAYIAKQR\n>y2\nHHHHHHLL\n";
  ProteinBuildOptions o;
  o.inputs = {dir.file("a.fasta"), dir.file("b.fasta")};
  o.output = dir.file("p.h5");
  o.valid_fraction = 0.25;
  o.test_fraction = 0.25;
  auto sum = build_protein_dataset(o);
  CHECK(sum.proteins == 5);
  CHECK(sum.proteins_ok == 4);
  CHECK(sum.unique_sequences == 3);
  REQUIRE(sum.first_invalid.size() == 1);
  CHECK(sum.first_invalid[0].find("protein 2 (bad)") == 0);

  Dataset ds(o.output);
  CHECK(ds.size() == 0);
  CHECK(!ds.has_pairs());
  REQUIRE(ds.has_protein_tokens());
  CHECK(ds.protein_ids() == std::vector<std::string>{"x1", "x2", "bad", "y1", "y2"});
  CHECK(ds.protein_status() == std::vector<std::uint8_t>{0, 0, 1, 0, 0});
  std::vector<std::int32_t> ids;
  std::vector<std::int64_t> offsets;
  ds.read_protein_tokens(ids, offsets);
  CHECK(offsets == std::vector<std::int64_t>{0, 10, 15, 15, 25, 33});  // uncropped; the invalid row owns none
  auto split = ds.split(kSequenceSplit).split;
  std::set<std::int64_t> all(split.train.begin(), split.train.end());
  all.insert(split.valid.begin(), split.valid.end());
  all.insert(split.test.begin(), split.test.end());
  CHECK(all == std::set<std::int64_t>{0, 1, 3, 4});
  // x1 and y1 are the same sequence
  auto together = [&](const std::vector<std::int64_t>& v) {
    return std::count(v.begin(), v.end(), 0) == std::count(v.begin(), v.end(), 3);
  };
  CHECK(together(split.train));
  CHECK(together(split.valid));
  CHECK(together(split.test));

  o.inputs = {dir.file("missing.fasta")};
  CHECK_THROWS_AS(build_protein_dataset(o), core::UsageError);
}
