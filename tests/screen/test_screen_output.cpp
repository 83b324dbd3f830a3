// Screen outputs in HDF5: the table writer/reader (screen/screen_output.h) and run_screen / merge_top_k writing .h5,
// checked against the CSV the same run writes. Chemistry-only recipes, so runs are exact and take well under a second.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chem/molecule_reader.h"
#include "core/error.h"
#include "core/hdf5_util.h"
#include "core/text.h"
#include "screen/scoring_function.h"
#include "screen/screen_output.h"
#include "screen/screen_runner.h"
#include "test_util.h"

using namespace hitforge;
using hitforge::testing::TempDir;
namespace fs = std::filesystem;
namespace h5 = core::h5;

namespace {

std::vector<std::string> file_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Header + rows of a table (CSV or .h5) as CSV text, through TableReader.
std::vector<std::string> table_rows(const std::string& path) {
  auto in = screen::TableReader::open(path);
  std::vector<std::string> out = {in->header()};
  for (std::string row; in->next(row);) out.push_back(row);
  return out;
}

// The first `n` molecules of the 600-molecule fixture as a CSV library whose ids need quoting (a comma, a double
// quote, non-ASCII text), with one unparsable record after the 10th molecule.
std::string write_library(const TempDir& dir, std::size_t n) {
  std::ifstream in(hitforge::testing::data_path("nci_tpsa_600.csv"));
  std::string line;
  std::getline(in, line);
  const std::string path = dir.file("library.csv");
  std::ofstream out(path);
  out << "smiles,name\n";
  for (std::size_t i = 0; i < n && std::getline(in, line); ++i) {
    const std::string id = i % 7 == 0 ? "mol \"" + std::to_string(i) + "\", ß" : "m" + std::to_string(i);
    out << line.substr(0, line.find(',')) << "," << core::csv_field(id) << "\n";
    if (i == 10) out << "C1CC,broken\n";
  }
  return path;
}

nlohmann::json chemistry_recipe() {
  return {{"name", "h5 test"},
          {"filters", {{{"scorer", "pains"}, {"max", 0}, {"label", "pains"}}}},
          {"components",
           {{{"scorer", "qed"}},
            {{"scorer", "sa"}, {"transform", {{"type", "reverse_sigmoid"}, {"low", 2}, {"high", 6}}}}}}};
}

screen::ScreenOptions options(const std::string& library, const std::string& out) {
  screen::ScreenOptions o;
  o.library = library;
  o.reader.id_col = "name";
  o.out = out;
  o.chunk = 16;
  o.progress = false;
  o.plots = false;
  return o;
}

}  // namespace

TEST_CASE("an .h5 table holds typed columns and reads back as the CSV rows it was built from", "[screen]") {
  TempDir dir;
  const std::vector<std::string> cols = screen::table_columns({"qed"}, {"qed", "model, \"x\""}, true);
  CHECK(screen::table_header(cols) == "rank,index,id,smiles,status,reason,score,d_qed,qed,\"model, \"\"x\"\"\",notes");
  screen::TableInfo info;
  info.columns = cols;
  info.recipe = {{"name", "r"}};
  info.library = "lib.smi";
  info.shard = "1/3";
  std::vector<std::string> rows = {
      // quoted comma and quote, a newline inside an id, UTF-8, an empty (NaN) value, a negative exponent
      "1,7,\"a,\"\"b\"\"\",CCO,ok,,0.9,0.9,0.5,1e-07,",
      "2,3,\"two\nlines\",c1ccccc1,ok,,0.8,0.8,,-2.5,\"note, with comma\"",
      "3,12,ß-Ring,C,filtered,pains (1 > max 0),,,0.25,,pains: ene_rhod",
  };
  for (int i = 0; i < 5000; ++i)
    rows.push_back(core::str_cat(4 + i, ",", 100 + i, ",id", i, ",C,ok,,0.5,0.5,", i, ",,"));
  const std::string path = dir.file("t.h5");
  {
    screen::H5TableWriter w(path, info);
    for (const auto& r : rows) w.add_row(r, "test row");
    CHECK(w.rows() == static_cast<std::int64_t>(rows.size()));
    CHECK(!fs::exists(path));  // published only by commit()
    w.commit();
  }
  CHECK(screen::is_hdf5_path(path));
  CHECK(screen::is_hdf5_path("X.HDF5"));
  CHECK(!screen::is_hdf5_path("x.h5.csv"));

  // Read back through the table reader (5,003 rows cross the 4,096-row block boundary) ...
  auto back = table_rows(path);
  REQUIRE(back.size() == rows.size() + 1);
  CHECK(back[0] == screen::table_header(cols));
  for (std::size_t i = 0; i < rows.size(); ++i) CHECK(back[i + 1] == rows[i]);

  // ... and with the plain HDF5 API: types, NaN for empty numbers, strings unquoted, attributes.
  auto f = h5::open_file(path);
  H5::Group root = f.openGroup("/");
  CHECK(h5::read_attr_string(root, "format") == "hitforge-screen");
  CHECK(h5::read_attr_int(root, "format_version") == 1);
  CHECK(h5::read_attr_string(root, "kind") == "top_k");
  CHECK(h5::read_attr_strings(root, "columns") == cols);
  CHECK(h5::read_attr_int(root, "n_rows") == static_cast<std::int64_t>(rows.size()));
  CHECK(nlohmann::json::parse(h5::read_attr_string(root, "recipe")) == info.recipe);
  CHECK(h5::read_attr_string(root, "shard") == "1/3");
  CHECK(!h5::read_attr_string(root, "hitforge_version").empty());
  H5::DataSet index = root.openDataSet("index");
  CHECK(index.getTypeClass() == H5T_INTEGER);
  CHECK(index.getDataType().getSize() == 8);
  CHECK(h5::read_all<std::int64_t>(index)[2] == 12);
  H5::DataSet model = root.openDataSet("model, \"x\"");
  CHECK(model.getTypeClass() == H5T_FLOAT);
  CHECK(model.getDataType().getSize() == 8);
  auto m = h5::read_all<double>(model);
  CHECK(m[0] == 1e-07);
  CHECK(m[1] == -2.5);
  CHECK(std::isnan(h5::read_all<double>(root.openDataSet("qed"))[1]));  // empty in the CSV row
  auto ids = h5::read_strings(root.openDataSet("id"));
  CHECK(ids[0] == "a,\"b\"");
  CHECK(ids[1] == "two\nlines");
  CHECK(ids[2] == "ß-Ring");
  CHECK(h5::read_strings(root.openDataSet("reason"))[0].empty());
  CHECK(h5::read_all<double>(root.openDataSet("score"))[1] == 0.8);
}

TEST_CASE("the table writer and reader refuse what they cannot represent, naming the row, column or file", "[screen]") {
  TempDir dir;
  screen::TableInfo info;
  info.columns = screen::table_columns({"qed"}, {"qed"}, false);
  {
    screen::H5TableWriter w(dir.file("bad.h5"), info);
    CHECK_THROWS_WITH(w.add_row("x,id,C,ok,,0.5,0.5,0.5,", "'in.csv' line 4"),
                      Catch::Contains("'in.csv' line 4: column 'index' must be an integer, got 'x'"));
    CHECK_THROWS_WITH(w.add_row("1,id,C,ok,,high,0.5,0.5,", "'in.csv' line 5"),
                      Catch::Contains("'in.csv' line 5: column 'score' must be a number, got 'high'"));
    CHECK_THROWS_WITH(w.add_row("1,id,C,ok,,0.5", "row 9"), Catch::Contains("row 9: 6 fields, but the table has 9"));
  }  // destroyed without commit: nothing published, no temporary file left
  CHECK(fs::is_empty(dir.path()));

  auto with_raw = [](std::vector<std::string> raw) {
    screen::TableInfo i;
    i.columns = screen::table_columns({"a"}, std::move(raw), false);
    return i;
  };
  CHECK_THROWS_WITH(screen::H5TableWriter(dir.file("s.h5"), with_raw({"logP/logD"})),
                    Catch::Contains("the column 'logP/logD' cannot name an HDF5 dataset"));
  CHECK_THROWS_WITH(screen::H5TableWriter(dir.file("d.h5"), with_raw({"x", "x"})),
                    Catch::Contains("two columns are named 'x'"));
  screen::TableInfo not_screen;
  not_screen.columns = {"a", "b"};
  CHECK_THROWS_WITH(screen::H5TableWriter(dir.file("n.h5"), not_screen),
                    Catch::Contains("is not a table of hitforge screen"));

  std::ofstream(dir.file("other.csv")) << "smiles,value\nCCO,1\n";
  CHECK_THROWS_WITH(screen::TableReader::open(dir.file("other.csv")),
                    Catch::Contains("'" + dir.file("other.csv") + "' is not a table of hitforge screen"));
  {
    auto f = h5::create_file(dir.file("dataset.h5"));
    H5::Group root = f.openGroup("/");
    h5::write_attr(root, "format", std::string("hitforge-dataset"));
  }
  CHECK_THROWS_WITH(screen::TableReader::open(dir.file("dataset.h5")),
                    Catch::Contains("is an HDF5 file but not a table of hitforge screen"));
  CHECK_THROWS_WITH(screen::TableReader::open(dir.file("missing.h5")), Catch::Contains("cannot read"));

  // convert_csv_to_hdf5 reads records whose quoted fields span lines, and names the CSV line of a bad record.
  const std::string header = screen::table_header(info.columns);
  std::ofstream(dir.file("multi.csv")) << header << "\n0,\"first\nsecond\",C,ok,,0.5,0.5,0.5,\n\n1,b,C,ok,,x,,,\n";
  CHECK_THROWS_WITH(screen::convert_csv_to_hdf5(dir.file("multi.csv"), dir.file("multi.h5"), info),
                    Catch::Contains("'" + dir.file("multi.csv") + "' line 5: column 'score' must be a number"));
  CHECK(!fs::exists(dir.file("multi.h5")));
  std::ofstream(dir.file("multi.csv")) << header << "\n0,\"first\nsecond\",C,ok,,0.5,0.5,0.5,\n";
  screen::convert_csv_to_hdf5(dir.file("multi.csv"), dir.file("multi.h5"), info);
  CHECK(table_rows(dir.file("multi.h5")) == std::vector<std::string>{header, "0,\"first\nsecond\",C,ok,,0.5,0.5,0.5,"});
  screen::TableInfo other = info;
  other.columns = screen::table_columns({"b"}, {"qed"}, false);
  CHECK_THROWS_WITH(screen::convert_csv_to_hdf5(dir.file("multi.csv"), dir.file("m2.h5"), other),
                    Catch::Contains("has the columns"));
}

TEST_CASE("a screen to .h5 holds the records and values of the same screen to .csv", "[screen][integration]") {
  TempDir dir;
  const std::string lib = write_library(dir, 150);
  screen::ScoringFunction sf(chemistry_recipe(), {});
  auto csv = options(lib, dir.file("top.csv"));
  csv.top_k = 20;
  csv.all_scores = dir.file("all.csv");
  auto sum_csv = screen::run_screen(sf, csv);
  auto h5o = options(lib, dir.file("top.h5"));
  h5o.top_k = 20;
  h5o.all_scores = dir.file("all.h5");
  auto sum_h5 = screen::run_screen(sf, h5o);
  CHECK(sum_h5.to_json()["ok"] == sum_csv.to_json()["ok"]);

  auto top = file_lines(dir.file("top.csv")), all = file_lines(dir.file("all.csv"));
  REQUIRE(top.size() == 21);
  REQUIRE(all.size() == 152);  // header + 150 molecules + the broken record
  CHECK(table_rows(dir.file("top.h5")) == top);
  CHECK(table_rows(dir.file("all.h5")) == all);
  CHECK(!fs::exists(dir.file("all.h5.partial")));  // the staging file is gone once published
  CHECK(!fs::exists(dir.file("top.h5.state.json")));
  CHECK(fs::exists(dir.file("top.h5.summary.json")));

  // What a reader without hitforge sees: typed columns, NaN for the invalid record's score, ids unquoted.
  auto f = h5::open_file(dir.file("all.h5"));
  H5::Group root = f.openGroup("/");
  CHECK(h5::read_attr_string(root, "kind") == "records");
  CHECK(nlohmann::json::parse(h5::read_attr_string(root, "recipe")) == sf.resolved_recipe());
  CHECK(h5::read_attr_string(root, "shard") == "0/1");
  CHECK(h5::read_attr_string(root, "library") == lib);
  auto index = h5::read_all<std::int64_t>(root.openDataSet("index"));
  auto status = h5::read_strings(root.openDataSet("status"));
  auto score = h5::read_all<double>(root.openDataSet("score"));
  auto ids = h5::read_strings(root.openDataSet("id"));
  REQUIRE(index.size() == 151);
  for (std::size_t i = 0; i < index.size(); ++i) CHECK(index[i] == static_cast<std::int64_t>(i));
  CHECK(status[11] == "invalid");
  CHECK(ids[11] == "broken");
  CHECK(std::isnan(score[11]));
  CHECK(ids[0] == "mol \"0\", ß");
  // Every ok score is the float64 of the CSV's 7-digit text, so either file ranks the records the same way.
  std::vector<std::string> fields;
  std::size_t ok = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    REQUIRE(chem::split_delimited(all[i + 1], ',', fields));
    if (status[i] != "ok") continue;
    ++ok;
    CHECK(score[i] == std::stod(fields[5]));
  }
  CHECK(ok > 100);

  // A recipe column HDF5 cannot name is refused before anything is screened; CSV takes it.
  auto recipe = chemistry_recipe();
  recipe["components"][0]["label"] = "qed/v2";
  screen::ScoringFunction slash(recipe, {});
  auto bad = options(lib, dir.file("slash.h5"));
  CHECK_THROWS_WITH(screen::run_screen(slash, bad), Catch::Contains("the column 'd_qed/v2' cannot name"));
  CHECK(!fs::exists(dir.file("slash.h5.state.json")));
  CHECK_NOTHROW(screen::run_screen(slash, options(lib, dir.file("slash.csv"))));
}

TEST_CASE("merge of .h5 shard outputs (alone or mixed with CSV) equals the top-k of one run", "[screen][integration]") {
  TempDir dir;
  const std::string lib = write_library(dir, 150);
  screen::ScoringFunction sf(chemistry_recipe(), {});
  auto single = options(lib, dir.file("top.csv"));
  single.top_k = 15;
  screen::run_screen(sf, single);
  const auto top = file_lines(dir.file("top.csv"));
  REQUIRE(top.size() == 16);
  std::vector<std::string> h5_shards, mixed;
  for (int s = 0; s < 3; ++s) {
    for (const char* ext : {".h5", ".csv"}) {
      auto o = options(lib, dir.file(core::str_cat("shard", s, ext)));
      o.top_k = 15;
      o.shard = s;
      o.n_shards = 3;
      screen::run_screen(sf, o);
    }
    h5_shards.push_back(dir.file(core::str_cat("shard", s, ".h5")));
    mixed.push_back(dir.file(core::str_cat("shard", s, s == 1 ? ".csv" : ".h5")));
  }
  // Chemistry scorers do not depend on batch composition: the merge is exactly the single run's top-k.
  screen::merge_top_k(h5_shards, dir.file("merged.h5"), 15);
  CHECK(table_rows(dir.file("merged.h5")) == top);
  screen::merge_top_k(h5_shards, dir.file("merged.csv"), 15);
  CHECK(file_lines(dir.file("merged.csv")) == top);
  screen::merge_top_k(mixed, dir.file("mixed.csv"), 15);
  CHECK(file_lines(dir.file("mixed.csv")) == top);

  auto f = h5::open_file(dir.file("merged.h5"));
  H5::Group root = f.openGroup("/");
  CHECK(h5::read_attr_strings(root, "merged_from") == h5_shards);
  CHECK(nlohmann::json::parse(h5::read_attr_string(root, "recipe")) == sf.resolved_recipe());
  CHECK(!h5::has_attr(root, "shard"));

  CHECK_THROWS_WITH(screen::merge_top_k({h5_shards[0], dir.file("shard0.csv")}, dir.file("m.csv"), 15),
                    Catch::Contains("appears twice"));
  auto all = options(lib, dir.file("all.h5"));
  screen::run_screen(sf, all);
  CHECK_THROWS_WITH(screen::merge_top_k({dir.file("all.h5")}, dir.file("m.csv"), 15),
                    Catch::Contains("has no rank column"));
}

TEST_CASE("a screen interrupted while publishing .h5 outputs resumes to the same outputs", "[screen][integration]") {
  // A directory where the summary goes makes publishing fail after the top-k file and the all-records file were
  // published and before the state is removed: the state a kill at that moment leaves behind.
  TempDir dir;
  const std::string lib = write_library(dir, 60);
  screen::ScoringFunction sf(chemistry_recipe(), {});
  auto ref = options(lib, dir.file("ref.csv"));
  ref.top_k = 10;
  ref.all_scores = dir.file("ref_all.csv");
  screen::run_screen(sf, ref);
  for (const std::string all_ext : {".h5", ".csv"}) {
    const std::string out = dir.file("top" + all_ext + ".h5"), all = dir.file("all" + all_ext);
    auto o = options(lib, out);
    o.top_k = 10;
    o.all_scores = all;
    fs::create_directory(out + ".summary.json");
    CHECK_THROWS_AS(screen::run_screen(sf, o), core::UsageError);
    CHECK(fs::exists(out + ".state.json"));
    CHECK(fs::exists(out));
    fs::remove(out + ".summary.json");
    o.resume = true;
    screen::run_screen(sf, o);
    CHECK(!fs::exists(out + ".state.json"));
    CHECK(!fs::exists(all + ".partial"));
    CHECK(table_rows(out) == file_lines(dir.file("ref.csv")));
    CHECK(table_rows(all) == file_lines(dir.file("ref_all.csv")));
  }
}
