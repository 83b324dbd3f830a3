// Black-box tests of `hitforge score`: mixed valid/invalid records, input order across parallel chunks, kept columns,
// CSV quoting of notes, atomic publishing of the output.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace hitforge::testing;

namespace {

// RFC 4180 reader for the whole output (quoted fields may hold ',' and '"'); rows of fields.
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  const std::string text = slurp(path);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, row_open = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    row_open = true;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field), field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
      row_open = false;
    } else {
      field += c;
    }
  }
  if (row_open) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

std::size_t col(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t k = 0; k < header.size(); ++k)
    if (header[k] == name) return k;
  FAIL("no column " << name);
  return 0;
}

bool temp_files_left(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("score keeps every record in input order with status, kept columns, scores and notes", "[cli]") {
  TempDir dir;
  const std::string in = dir.file("in.csv"), out = dir.file("scores.csv");
  // 300 records in chunks of 100 on 2 threads (the parallel loop runs for chunks above 64 records). Every 7th record
  // is invalid; the others cycle through molecules with known scores.
  const std::vector<std::string> smiles = {"CC(=O)Oc1ccccc1C(=O)O", "O=C1NC(=S)SC1=Cc1ccccc1",
                                           "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCc1ccccc1", "CC(=O)Nc1ccc(O)cc1"};
  const std::vector<std::string> lipinski = {"0", "0", "2", "0"}, pains = {"0", "1", "0", "0"};
  {
    std::ofstream f(in);
    f << "name,smiles,pIC50,assay\n";
    for (int i = 0; i < 300; ++i) {
      const std::string s = i % 7 == 3 ? (i % 2 ? "C1CC" : "c1cccc1") : smiles[i % 4];
      f << "cpd" << i << "," << s << "," << i * 0.5 << ",\"plate " << i << ", well A\"\n";
    }
  }
  auto r = run("score --input " + in + " --id-col name --keep-cols pIC50,assay --scores lipinski,pains --scorer " +
               "'{\"name\":\"smarts\",\"patterns\":[\"c1ccccc1 benzene\",\"[CX3](=O)[OX2H1] acid\"],\"label\":\"x\"}'" +
               " --out " + out + " --threads 2 --chunk 100 --no-progress");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "300 records"));
  CHECK(has(r.out, "257 ok, 43 invalid"));

  const auto rows = read_csv(out);
  REQUIRE(rows.size() == 301);
  const auto& h = rows[0];
  CHECK(h == std::vector<std::string>{"index", "id", "smiles", "status", "reason", "pIC50", "assay",
                                      "lipinski_violations", "pains_matches", "smarts_x", "notes"});
  for (int i = 0; i < 300; ++i) {
    const auto& row = rows[i + 1];
    INFO("record " << i);
    REQUIRE(row.size() == h.size());
    CHECK(row[col(h, "index")] == std::to_string(i));
    CHECK(row[col(h, "id")] == "cpd" + std::to_string(i));
    std::ostringstream pic50;
    pic50 << i * 0.5;
    CHECK(row[col(h, "pIC50")] == pic50.str());
    CHECK(row[col(h, "assay")] == "plate " + std::to_string(i) + ", well A");
    if (i % 7 == 3) {
      CHECK(row[col(h, "status")] == "invalid");
      CHECK_FALSE(row[col(h, "reason")].empty());
      CHECK(row[col(h, "lipinski_violations")].empty());
      CHECK(row[col(h, "notes")].empty());
      continue;
    }
    CHECK(row[col(h, "status")] == "ok");
    CHECK(row[col(h, "reason")].empty());
    CHECK(row[col(h, "smiles")] == smiles[i % 4]);
    CHECK(row[col(h, "lipinski_violations")] == lipinski[i % 4]);
    CHECK(row[col(h, "pains_matches")] == pains[i % 4]);
    const std::string notes = row[col(h, "notes")];
    switch (i % 4) {
      case 0:
        CHECK(row[col(h, "smarts_x")] == "2");
        CHECK(notes == "smarts: benzene;acid");
        break;
      case 1:
        CHECK(notes == "pains: ene_rhod_A(235) | smarts: benzene");
        break;
      case 2:
        CHECK(notes == "lipinski: MW>500;LogP>5 | smarts: benzene");
        break;
      default:
        CHECK(notes == "smarts: benzene");
    }
  }
  CHECK_FALSE(temp_files_left(dir.path()));
}

TEST_CASE("score publishes atomically: a failed run leaves the previous output untouched", "[cli]") {
  TempDir dir;
  const std::string in = dir.file("in.smi"), out = dir.file("scores.csv");
  {
    std::ofstream(in) << "CCO ethanol\nc1ccccc1 benzene\n";
    std::ofstream(out) << "previous results\n";
  }
  auto r = run("score --input " + in + " --scorer '{\"name\":\"smarts\",\"patterns\":[\"C((\"]}' --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "invalid SMARTS 'C(('"));
  r = run("score --input " + in + " --scores lipinksi --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "unknown scorer 'lipinksi'"));
  CHECK(has(r.out, "lipinski"));
  r = run("score --input " + in + " --scorer '{\"name\":' --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "not valid JSON"));
  CHECK(slurp(out) == "previous results\n");
  CHECK_FALSE(temp_files_left(dir.path()));

  r = run("score --input " + in + " --scores ghose --out " + out + " --no-progress");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(slurp(out) ==
        "index,id,smiles,status,reason,ghose_violations,notes\n"
        "0,ethanol,CCO,ok,,3,ghose: MW<160;atoms<20;MR<40\n"
        "1,benzene,c1ccccc1,ok,,3,ghose: MW<160;atoms<20;MR<40\n");
  CHECK_FALSE(temp_files_left(dir.path()));
}

TEST_CASE("score --list and --help show the scorer catalog", "[cli]") {
  auto r = run("score --list");
  CHECK(r.rc == 0);
  for (const char* name : {"lipinski", "veber", "ghose", "pains", "brenk", "nih", "smarts", "similarity"})
    CHECK(has(r.out, name));
  r = run("score --help");
  CHECK(r.rc == 0);
  CHECK(has(r.out, "Scorers:"));
  CHECK(has(r.out, "Examples:"));
}
