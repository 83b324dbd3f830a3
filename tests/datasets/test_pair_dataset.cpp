// Drug–target pair datasets: builder (matrix and table inputs), layout round trip, splits without leakage, batches.
// Fixture tests/data/dta (written for these tests, see tests/data/README.md): 5 ligands (D4 unparsable, D3 and D5
// both benzene), 5 proteins (P3 has a '*', P4 is P1 in lower case, P5 has 30 residues), a 5×5 Kd matrix (nM, 17
// measured cells, one Kd negative), DeepDTA-style folds (3 training folds + test) and a long-format table.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "chem/tokenizers/protein_tokenizer.h"
#include "core/error.h"
#include "datasets/dataset.h"
#include "datasets/pair_builder.h"
#include "datasets/pair_data.h"
#include "datasets/split_dataset.h"
#include "datasets/splits.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::data;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

PairBuildOptions matrix_options(const testing::TempDir& dir) {
  PairBuildOptions o;
  o.ligands = testing::data_path("dta/ligands.json");
  o.proteins = testing::data_path("dta/proteins.json");
  o.affinities = testing::data_path("dta/Y.txt");
  o.folds_dir = testing::data_path("dta/folds");
  o.affinity_transform = "pkd";
  o.label_name = "pKd";
  o.protein_max_length = 16;
  o.cold_sizes = "0.5,0.25,0.25";
  o.featurizers = {"graph", "morgan:radius=2,bits=64"};
  o.output = dir.file("pairs.h5");
  o.threads = 1;
  return o;
}

std::set<std::int64_t> as_set(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("pair dataset from a DeepDTA-style matrix keeps every entry, with reasons, at its source index",
          "[datasets]") {
  testing::TempDir dir;
  PairBuildSummary s = build_pair_dataset(matrix_options(dir));
  CHECK(s.ligands == 5);
  CHECK(s.ligands_ok == 4);
  CHECK(s.proteins == 5);
  CHECK(s.proteins_ok == 4);
  CHECK(s.proteins_cropped == 2);  // P2 (22) and P5 (30) > 16
  CHECK(s.pairs == 17);
  CHECK(s.pairs_ok == 11);

  Dataset ds(dir.file("pairs.h5"));
  // Ligand table = the records, in file order, featurised once.
  CHECK(ds.size() == 5);
  CHECK(ds.ids() == std::vector<std::string>{"D1", "D2", "D3", "D4", "D5"});
  CHECK(ds.status() == std::vector<std::uint8_t>{0, 0, 0, 1, 0});
  CHECK(ds.smiles()[2] == ds.smiles()[4]);  // both benzene
  CHECK(ds.block("graph").kind == chem::FeatureKind::graph);
  CHECK(ds.block("morgan").width == 64);
  CHECK(ds.read_graph("graph", 0).n_atoms == 13);
  CHECK(ds.read_graph("graph", 3).n_atoms == 0);

  // Protein table: sequences as given, invalid one with a reason, tokens cropped to the first 16 residues.
  CHECK(ds.n_proteins() == 5);
  CHECK(ds.protein_ids() == std::vector<std::string>{"P1", "P2", "P3", "P4", "P5"});
  CHECK(ds.protein_status() == std::vector<std::uint8_t>{0, 0, 1, 0, 0});
  CHECK_THAT(ds.protein_reasons()[2], Contains("'*'") && Contains("position 4"));
  CHECK(ds.protein_sequences()[1].size() == 22);
  CHECK(ds.protein_crop() == "head");
  CHECK(ds.protein_max_length() == 16);
  std::vector<std::int32_t> ids;
  std::vector<std::int64_t> off;
  ds.read_protein_tokens(ids, off);
  CHECK(off == std::vector<std::int64_t>{0, 10, 26, 26, 36, 52});
  chem::ProteinTokenizer tok;
  auto expect_p5 = tok.encode(std::string("MSTNPKPQRKTKRNTNRRPQDVKFPGGGQI").substr(0, 16), false);
  CHECK(std::vector<std::int64_t>(ids.begin() + 36, ids.end()) == expect_p5);
  CHECK(std::vector<std::int32_t>(ids.begin(), ids.begin() + 10) ==
        std::vector<std::int32_t>(ids.begin() + 26, ids.begin() + 36));  // P4 = P1 in lower case
  CHECK(chem::Vocabulary::from_json(nlohmann::json::parse(ds.protein_vocabulary_json())) ==
        chem::ProteinTokenizer::vocabulary());

  // Pair table: measured cells in row-major order (numpy.where order), so pair k is fold-file index k.
  REQUIRE(ds.n_pairs() == 17);
  CHECK(ds.pair_ligands() ==
        std::vector<std::int64_t>{0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4});
  CHECK(ds.pair_proteins() ==
        std::vector<std::int64_t>{0, 1, 3, 4, 0, 2, 3, 0, 1, 2, 4, 0, 1, 4, 0, 3, 4});
  CHECK(ds.pair_source_index() == iota_indices(17));
  CHECK(ds.pair_label_names() == std::vector<std::string>{"pKd"});
  auto y = ds.all_pair_labels();
  CHECK_THAT(y[0], WithinAbs(8.0, 1e-6));              // Kd 10 nM
  CHECK_THAT(y[3], WithinAbs(7.301029995, 1e-5));      // Kd 50 nM
  CHECK_THAT(y[7], WithinAbs(9.0, 1e-6));              // Kd 1 nM
  CHECK(ds.valid_pairs() == std::vector<std::int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 10, 14, 15});
  auto why = ds.pair_reasons();
  CHECK_THAT(why[5], Contains("protein 'P3' is invalid"));
  CHECK_THAT(why[11], Contains("ligand 'D4' is invalid"));
  CHECK_THAT(why[16], Contains("Kd must be positive"));
  CHECK(why[0].empty());
  CHECK(ds.pair_fold_names() == std::vector<std::string>{"0", "1", "2", "test"});
  CHECK(ds.pair_test_fold() == 3);
  CHECK(ds.pair_folds() ==
        std::vector<std::int32_t>{0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 0, 1, 3, 0, 2, 3});
  CHECK_THAT(ds.provenance("affinity_transform"), Contains("pkd"));
  CHECK(ds.provenance("protein_crop") == "head:16");
  CHECK_FALSE(ds.provenance("folds_test_sha256").empty());
}

TEST_CASE("setting1 split: train = training folds minus the validation fold; the test fold is only in test",
          "[datasets]") {
  testing::TempDir dir;
  build_pair_dataset(matrix_options(dir));
  Dataset ds(dir.file("pairs.h5"));
  SplitInfo s = ds.split("setting1");
  CHECK(s.method == "folds");
  CHECK(s.sizes == "valid_fold=0,test_fold=test");
  // Valid pairs by fold: 0 → {0, 4, 7, 14}; 1 → {1, 8}; 2 → {2, 6, 15}; test → {3, 10}.
  CHECK(s.split.train == std::vector<std::int64_t>{1, 2, 6, 8, 15});
  CHECK(s.split.valid == std::vector<std::int64_t>{0, 4, 7, 14});
  CHECK(s.split.test == std::vector<std::int64_t>{3, 10});

  // Another validation fold on request; the test fold can never be chosen for validation.
  SplitRequest r;
  r.method = "folds";
  r.valid_fold = "2";
  auto v2 = compute_splits(ds, r);
  REQUIRE(v2.size() == 1);
  CHECK(v2[0].split.valid == std::vector<std::int64_t>{2, 6, 15});
  CHECK(v2[0].split.test == std::vector<std::int64_t>{3, 10});
  r.valid_fold = "test";
  CHECK_THROWS_WITH(compute_splits(ds, r), Contains("is the test fold"));
  r.valid_fold = "7";
  CHECK_THROWS_WITH(compute_splits(ds, r), Contains("no fold '7'") && Contains("0, 1, 2, test"));
}

TEST_CASE("cold splits group drugs by structure and targets by sequence: nothing in valid/test is seen in train",
          "[datasets]") {
  testing::TempDir dir;
  auto o = matrix_options(dir);
  for (std::uint64_t seed : {0u, 1u, 2u, 3u}) {
    o.seed = seed;
    build_pair_dataset(o);
    Dataset ds(o.output);
    auto lig = ds.pair_ligands(), prot = ds.pair_proteins();
    auto smiles = ds.smiles();
    auto seqs = ds.protein_sequences();
    for (auto& q : seqs)
      for (auto& c : q) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto valid = as_set(ds.valid_pairs());
    for (const char* name : {"cold-drug", "cold-target"}) {
      Split s = ds.split(name).split;
      const bool drug = std::string(name) == "cold-drug";
      auto key = [&](std::int64_t p) { return drug ? smiles[lig[p]] : seqs[prot[p]]; };
      std::set<std::string> train_keys;
      for (auto p : s.train) train_keys.insert(key(p));
      for (const auto* part : {&s.valid, &s.test})
        for (auto p : *part) CHECK(train_keys.count(key(p)) == 0);
      // Every valid pair is assigned exactly once, and only valid pairs are.
      std::set<std::int64_t> all;
      for (const auto* part : {&s.train, &s.valid, &s.test})
        for (auto p : *part) CHECK(all.insert(p).second);
      CHECK(all == valid);
    }
  }
}

TEST_CASE("pair table input: unknown ids, missing or non-numeric affinities and malformed rows stay as invalid pairs",
          "[datasets]") {
  testing::TempDir dir;
  PairBuildOptions o;
  o.ligands = testing::data_path("dta/ligands.json");
  o.proteins = testing::data_path("dta/proteins.json");
  o.affinities = testing::data_path("dta/pairs.csv");
  o.label_columns = {"kd_nM"};
  o.fold_column = "fold";
  o.affinity_transform = "pkd";
  o.featurizers = {"morgan:radius=2,bits=64"};
  o.output = dir.file("table.h5");
  o.threads = 1;
  PairBuildSummary s = build_pair_dataset(o);
  CHECK(s.pairs == 9);
  CHECK(s.pairs_ok == 5);
  Dataset ds(o.output);
  CHECK(ds.valid_pairs() == std::vector<std::int64_t>{0, 1, 2, 3, 8});
  auto why = ds.pair_reasons();
  CHECK_THAT(why[4], Contains("unknown drug id 'D9'"));
  CHECK_THAT(why[5], Contains("affinity is missing"));
  CHECK_THAT(why[6], Contains("not a number: 'abc'"));
  CHECK_THAT(why[7], Contains("malformed row at line 9"));
  CHECK(ds.pair_ligands()[3] == 2);
  CHECK(ds.pair_proteins()[3] == 4);
  CHECK_THAT(ds.all_pair_labels()[3], WithinAbs(-std::log10(4e-9), 1e-5));
  CHECK(ds.pair_label_names() == std::vector<std::string>{"kd_nM"});
  CHECK(ds.pair_fold_names() == std::vector<std::string>{"0", "1", "2", "test"});
  CHECK(ds.pair_folds()[8] == -1);  // no fold given
  SplitInfo st = ds.split("setting1");
  CHECK(st.split.valid == std::vector<std::int64_t>{0});
  CHECK(st.split.train == std::vector<std::int64_t>{1, 3});
  CHECK(st.split.test == std::vector<std::int64_t>{2});
  // A table without the requested column is refused with the columns listed.
  o.label_columns = {"pKd"};
  CHECK_THROWS_WITH(build_pair_dataset(o), Contains("no affinity column 'pKd'") && Contains("kd_nM"));
}

TEST_CASE("structural errors in pair inputs are UsageErrors that name the file", "[datasets]") {
  testing::TempDir dir;
  auto o = matrix_options(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
    return dir.file(name);
  };
  SECTION("a matrix row of the wrong width") {
    o.affinities = write("Y.txt", "1 2 3 4 5\n1 2 3\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n");
    o.folds_dir.clear();
    CHECK_THROWS_WITH(build_pair_dataset(o), Contains("line 2 has 3 values; expected 5"));
  }
  SECTION("too few matrix rows") {
    o.affinities = write("Y.txt", "1 2 3 4 5\n");
    o.folds_dir.clear();
    CHECK_THROWS_WITH(build_pair_dataset(o), Contains("has 1 matrix rows; expected 5"));
  }
  SECTION("a fold index past the measured pairs, or listed twice") {
    std::filesystem::create_directories(dir.file("f"));
    write("f/train_fold_setting1.txt", "[[0, 1], [2]]");
    write("f/test_fold_setting1.txt", "[3, 99]");
    o.folds_dir = dir.file("f");
    CHECK_THROWS_WITH(build_pair_dataset(o), Contains("test_fold_setting1.txt") && Contains("pair index 99"));
    write("f/test_fold_setting1.txt", "[3, 1]");
    CHECK_THROWS_WITH(build_pair_dataset(o), Contains("pair index 1 is listed in fold 0 and in fold test"));
  }
  SECTION("duplicated ids, non-JSON files and non-string values") {
    o.ligands = write("l.json", R"({"A": "CCO", "A": "CCC"})");
    CHECK_THROWS_WITH(build_pair_dataset(o), Contains("lists id 'A' more than once"));
    o.ligands = write("l.json", "not json");
    CHECK_THROWS_WITH(build_pair_dataset(o), Contains("is not valid JSON"));
    auto entries = read_id_string_json(write("n.json", R"({"A": "CCO", "B": [[["deep"]]], "C": 3})"));
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].error.empty());
    CHECK(entries[1].error == "value is not a string");
    CHECK(entries[2].error == "value is not a string");
  }
  CHECK_FALSE(std::filesystem::exists(o.output));  // nothing published on failure
}

TEST_CASE("PairData batches name each distinct drug and protein once and refuse invalid pairs", "[datasets]") {
  testing::TempDir dir;
  build_pair_dataset(matrix_options(dir));
  Dataset ds(dir.file("pairs.h5"));
  PairData graph = PairData::load(ds, "graph");
  CHECK(graph.n_pairs() == 17);
  CHECK(graph.valid_pairs().size() == 11);
  CHECK(graph.protein_vocab_size() == 25);
  CHECK(graph.bond_width() > 0);
  PairBatch b = graph.batch({7, 0, 8, 14});  // D3P1, D1P1, D3P2, D5P1
  CHECK(b.ligands == std::vector<std::int64_t>{2, 0, 4});
  CHECK(b.ligand_index == std::vector<std::int64_t>{0, 1, 0, 2});
  CHECK(b.proteins == std::vector<std::int64_t>{0, 1});
  CHECK(b.protein_index == std::vector<std::int64_t>{0, 0, 1, 0});
  REQUIRE(b.targets.size() == 4);
  CHECK_THAT(b.targets[1], WithinAbs(8.0, 1e-6));
  CHECK(graph.graph(2).n_atoms == 6);
  CHECK(graph.protein_tokens(1).size() == 16);
  CHECK_THROWS_WITH(graph.batch({5}), Contains("pair 5 is invalid") && Contains("P3"));
  CHECK_THROWS_AS(graph.batch({17}), core::UsageError);

  PairData bits = PairData::load(ds, "morgan");
  auto dense = bits.dense_rows({0, 2});
  REQUIRE(dense.size() == 128);
  float on = 0;
  for (float v : dense) on += v;
  CHECK(on > 0);
  CHECK_THROWS_AS(bits.graph(0), core::UsageError);
  CHECK_THROWS_AS(PairData::load(ds, "nope"), core::UsageError);
}

TEST_CASE("any split method on a pair dataset indexes pairs, never ligand records", "[datasets]") {
  testing::TempDir dir;
  build_pair_dataset(matrix_options(dir));
  Dataset ds(dir.file("pairs.h5"));
  const auto valid = as_set(ds.valid_pairs());
  for (const char* method : {"random", "scaffold", "stratified", "cold-both"}) {
    SplitRequest r;
    r.method = method;
    r.sizes = "0.5,0.25,0.25";
    auto out = compute_splits(ds, r);
    REQUIRE(out.size() == 1);
    std::set<std::int64_t> all;
    for (const auto* part : {&out[0].split.train, &out[0].split.valid, &out[0].split.test, &out[0].split.dropped})
      for (auto p : *part) CHECK(all.insert(p).second);
    CHECK(all == valid);
  }
  // write_splits then read back.
  SplitRequest r;
  r.method = "random";
  r.name = "rnd";
  write_splits(ds.path(), compute_splits(ds, r));
  CHECK(as_set(Dataset(dir.file("pairs.h5")).split("rnd").split.train).size() > 0);
}

TEST_CASE("fold_split assigns by fold and refuses to validate on the test fold", "[datasets]") {
  std::vector<std::int32_t> fold{0, 1, 2, -1, 2, 0};
  Split s = fold_split({0, 1, 2, 3, 4, 5}, fold, 2, 1);
  CHECK(s.train == std::vector<std::int64_t>{0, 5});
  CHECK(s.valid == std::vector<std::int64_t>{1});
  CHECK(s.test == std::vector<std::int64_t>{2, 4});
  CHECK(s.dropped == std::vector<std::int64_t>{3});
  Split nv = fold_split({1, 2, 4}, fold, 2, -1);
  CHECK(nv.train == std::vector<std::int64_t>{1});
  CHECK(nv.valid.empty());
  CHECK_THROWS_AS(fold_split({0}, fold, 2, 2), core::UsageError);
  CHECK_THROWS_AS(fold_split({0}, fold, -1, 0), core::UsageError);
  CHECK_THROWS_AS(fold_split({6}, fold, 2, 0), core::UsageError);
  SplitInputs in;
  in.indices = {0, 1, 2, 4, 5};
  in.fold_of = fold;
  in.test_fold = 2;
  in.valid_fold = 0;
  CHECK(make_splits(SplitMethod::folds, in, {}, 0)[0].valid == std::vector<std::int64_t>{0, 5});
  CHECK(parse_split_method("folds") == SplitMethod::folds);
}
