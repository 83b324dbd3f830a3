#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "chem/featurizers/featurizer.h"
#include "chem/tokenizers/vocabulary.h"
#include "core/error.h"
#include "core/threads.h"
#include "datasets/builder.h"
#include "datasets/dataset.h"
#include "datasets/dataset_writer.h"
#include "datasets/split_dataset.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::data;
namespace fs = std::filesystem;

TEST_CASE("writer → reader round trip of records, targets, fixed and graph blocks, pairs", "[datasets]") {
  testing::TempDir dir;
  auto morgan = chem::make_featurizer("morgan:radius=2,bits=64");
  auto graph = chem::make_featurizer("graph");
  DatasetSchema schema;
  schema.target_names = {"a", "b"};
  schema.featurizers = {morgan.get(), graph.get()};
  std::string path = dir.file("rt.h5");
  {
    DatasetWriter w(path, schema, WriterOptions{4, 3});
    for (int chunk = 0; chunk < 3; ++chunk) {
      RecordChunk c;
      c.resize(2, 2, schema.featurizers);
      for (int i = 0; i < 2; ++i) {
        int r = chunk * 2 + i;
        c.ids[i] = "m" + std::to_string(r);
        c.inputs[i] = "C";
        c.smiles[i] = r == 3 ? "" : "C";
        c.status[i] = r == 3 ? 1 : 0;
        c.reasons[i] = r == 3 ? "broken" : "";
        c.source_index[i] = r;
        c.source_line[i] = r + 2;
        c.targets[i * 2] = float(r);
        c.targets[i * 2 + 1] = r % 2 ? NAN : 1.0f;
        c.blocks[0].fixed[i * 8] = static_cast<std::uint8_t>(r);
        c.blocks[1].n_atoms[i] = r == 3 ? 0 : 1;
        c.blocks[1].n_bonds[i] = 0;
        if (r != 3) c.blocks[1].atom_features.insert(c.blocks[1].atom_features.end(), graph->width(), float(r));
      }
      w.append(c);
    }
    w.write_proteins({"P1", "P2"}, {"MKV", "ACDE"});
    w.write_pairs({0, 1, 2}, {0, 1, 1}, {5.0f, 6.0f, 7.0f}, {"pKd"});
    w.set_provenance("source_path", "x.csv");
    CHECK_FALSE(fs::exists(path));  // published only by finish()
    w.finish();
  }
  Dataset ds(path);
  CHECK(ds.size() == 6);
  CHECK(ds.ids()[5] == "m5");
  CHECK(ds.status() == std::vector<std::uint8_t>{0, 0, 0, 1, 0, 0});
  CHECK(ds.reasons()[3] == "broken");
  CHECK(ds.valid_indices() == std::vector<std::int64_t>{0, 1, 2, 4, 5});
  CHECK(ds.target_names() == std::vector<std::string>{"a", "b"});
  CHECK(ds.task_types() == std::vector<std::string>{"regression", "classification"});
  auto t = ds.targets({5, 0});
  CHECK(t[0] == 5.0f);
  CHECK(std::isnan(t[1]));
  CHECK(t[2] == 0.0f);
  CHECK(t[3] == 1.0f);
  REQUIRE(ds.blocks().size() == 2);
  CHECK(ds.block("morgan").row_bytes == 8);
  CHECK(ds.block("morgan").spec == morgan->spec());
  auto raw = ds.read_fixed("morgan", {4});
  CHECK(raw[0] == 4);
  auto dense = ds.read_dense("morgan", {5});
  CHECK(dense.size() == 64);
  CHECK(dense[0] == 1.0f);  // 5 = 0b101
  CHECK(dense[1] == 0.0f);
  CHECK(dense[2] == 1.0f);
  auto g = ds.read_graph("graph", 4);
  CHECK(g.n_atoms == 1);
  CHECK(g.atom_features.size() == graph->width());
  CHECK(g.atom_features[0] == 4.0f);
  CHECK(ds.read_graph("graph", 3).n_atoms == 0);
  CHECK(ds.has_pairs());
  CHECK(ds.pair_proteins() == std::vector<std::int64_t>{0, 1, 1});
  CHECK_THROWS_AS(ds.block("nope"), core::UsageError);
  CHECK_THROWS_AS(ds.split("nope"), core::UsageError);
}

TEST_CASE("a writer destroyed before finish() leaves no file under the final name", "[datasets]") {
  testing::TempDir dir;
  auto morgan = chem::make_featurizer("morgan");
  DatasetSchema schema;
  schema.featurizers = {morgan.get()};
  {
    DatasetWriter w(dir.file("x.h5"), schema);
    RecordChunk c;
    c.resize(10, 0, schema.featurizers);
    w.append(c);
  }
  CHECK(fs::is_empty(dir.path()));
  CHECK_THROWS_AS(Dataset(dir.file("x.h5")), core::UsageError);
  std::ofstream(dir.file("not.h5")) << "plain text";
  CHECK_THROWS_AS(Dataset(dir.file("not.h5")), core::UsageError);
}

TEST_CASE("building from an adversarial file accounts for every record", "[datasets]") {
  testing::TempDir dir;
  BuildOptions o;
  o.input = testing::data_path("adversarial.csv");
  o.output = dir.file("adv.h5");
  o.reader.id_col = "id";
  o.reader.value_cols = {"y"};
  o.featurizers = {"morgan:radius=2,bits=256", "graph", "smiles_tokens"};
  o.progress = false;
  BuildSummary s = build_dataset(o);
  CHECK(s.records == 18);
  CHECK(s.ok == 6);
  CHECK(s.invalid == 12);
  Dataset ds(o.output);
  auto ids = ds.ids();
  auto st = ds.status();
  auto reasons = ds.reasons();
  auto smiles = ds.smiles();
  for (size_t i = 0; i < ids.size(); ++i) {
    INFO(ids[i] << ": " << reasons[i]);
    bool expect_ok = ids[i].rfind("ok_", 0) == 0;
    CHECK((st[i] == 0) == expect_ok);
    CHECK(reasons[i].empty() == expect_ok);
    CHECK(smiles[i].empty() == !expect_ok);
  }
  CHECK(reasons[12].find("target 'y' is not a number: 'abc'") != std::string::npos);
  CHECK(reasons[16].find("malformed record") != std::string::npos);
  CHECK(smiles[15] == "C[C@H](N)C(=O)O");
  CHECK(ds.task_types() == std::vector<std::string>{"regression"});
  auto t = ds.targets({13});
  CHECK(std::isnan(t[0]));
  // invalid rows carry zero features and empty graphs
  auto fp = ds.read_fixed("morgan", {3});
  CHECK(std::all_of(fp.begin(), fp.end(), [](std::uint8_t b) { return b == 0; }));
  CHECK(ds.read_graph("graph", 3).n_atoms == 0);
  CHECK(ds.read_graph("graph", 0).n_atoms == 3);
  // token ids decode back to the stored SMILES with the stored vocabulary; invalid records have none
  auto vocab = chem::Vocabulary::from_json(nlohmann::json::parse(ds.vocabulary_json("smiles_tokens")));
  for (std::int64_t i : {0, 1, 15}) {
    auto ids32 = ds.read_tokens("smiles_tokens", i);
    std::vector<std::int64_t> ids(ids32.begin(), ids32.end());
    CHECK(vocab.decode_string(ids) == smiles[i]);
  }
  CHECK(ds.read_tokens("smiles_tokens", 0).size() == 3);
  CHECK(ds.read_tokens("smiles_tokens", 3).empty());
  CHECK(vocab.token(4) == "C");  // first token seen after the specials
}

TEST_CASE("dataset output is identical for 1 and 2 threads", "[datasets]") {
  testing::TempDir dir;
  std::vector<std::string> files;
  for (int threads : {1, 2}) {
    BuildOptions o;
    o.input = testing::rdkit_data("Data/NCI/first_200.props.sdf");
    if (!fs::exists(o.input)) o.input = testing::rdkit_data("Data/NCI/first_5K.smi");
    o.output = dir.file("t" + std::to_string(threads) + ".h5");
    o.featurizers = {"morgan", "rdkit2d"};
    o.threads = threads;
    o.chunk_records = 97;  // several chunks, odd size
    o.progress = false;
    build_dataset(o);
    files.push_back(o.output);
  }
  Dataset a(files[0]), b(files[1]);
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() > 100);
  CHECK(a.smiles() == b.smiles());
  CHECK(a.status() == b.status());
  CHECK(a.reasons() == b.reasons());
  std::vector<std::int64_t> all(a.size());
  std::iota(all.begin(), all.end(), 0);
  CHECK(a.read_fixed("morgan", all) == b.read_fixed("morgan", all));
  auto da = a.read_dense("rdkit2d", all), db = b.read_dense("rdkit2d", all);
  REQUIRE(da.size() == db.size());
  bool same = true;
  for (size_t i = 0; i < da.size(); ++i) same &= (da[i] == db[i]) || (std::isnan(da[i]) && std::isnan(db[i]));
  CHECK(same);
}

TEST_CASE("splits are stored, reloaded and respect validity; batches are deterministic", "[datasets]") {
  testing::TempDir dir;
  BuildOptions o;
  o.input = testing::data_path("adversarial.csv");
  o.output = dir.file("adv.h5");
  o.reader.value_cols = {"y"};
  o.progress = false;
  build_dataset(o);
  {
    Dataset ds(o.output);
    SplitRequest req;
    req.method = "random";
    req.sizes = "0.5,0.25,0.25";
    req.seed = 3;
    req.name = "r";
    write_splits(o.output, compute_splits(ds, req));
  }
  Dataset ds(o.output);
  CHECK(ds.split_names() == std::vector<std::string>{"r"});
  auto s = ds.split("r");
  CHECK(s.method == "random");
  CHECK(s.seed == 3);
  std::vector<std::int64_t> all;
  for (auto* part : {&s.split.train, &s.split.valid, &s.split.test}) all.insert(all.end(), part->begin(), part->end());
  std::sort(all.begin(), all.end());
  CHECK(all == ds.valid_indices());

  auto b1 = make_batches(all, 4, true, 7), b2 = make_batches(all, 4, true, 7), b3 = make_batches(all, 4, true, 8);
  CHECK(b1 == b2);
  CHECK(b1 != b3);
  CHECK(b1.size() == 2);
  CHECK(make_batches(all, 4, false, 0)[0] == std::vector<std::int64_t>(all.begin(), all.begin() + 4));
}
