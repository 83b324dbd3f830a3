#include <catch2/catch.hpp>

#include <zlib.h>

#include <fstream>
#include <iterator>

#include "chem/molecule_reader.h"
#include "core/error.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::chem;

namespace {
std::vector<InputRecord> read_all(const std::string& path, const ReaderOptions& o = {}) {
  auto r = MoleculeReader::open(path, o);
  std::vector<InputRecord> out;
  InputRecord rec;
  while (r->next(rec)) out.push_back(rec);
  return out;
}
void write_gz(const std::string& path, const std::string& content) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
}
}  // namespace

TEST_CASE("CSV splitting handles quotes, escaped quotes and empty fields", "[chem]") {
  std::vector<std::string> f;
  REQUIRE(split_delimited("a,\"b,c\",,\"d\"\"e\"", ',', f));
  CHECK(f == std::vector<std::string>{"a", "b,c", "", "d\"e"});
  REQUIRE(split_delimited("x,", ',', f));
  CHECK(f == std::vector<std::string>{"x", ""});
  CHECK_FALSE(split_delimited("a,\"open", ',', f));
}

TEST_CASE(".smi files: names, header, CXSMILES, blank lines, gz and CRLF", "[chem]") {
  testing::TempDir dir;
  std::string text = "SMILES Name\r\nCCO ethanol\r\n\r\nc1ccccc1\tbenzene extra\r\nCCN |$a;b;c$| labelled\r\nC\r\n";
  std::string plain = dir.file("a.smi"), gz = dir.file("a.smi.gz");
  std::ofstream(plain) << text;
  write_gz(gz, text);
  for (const auto& path : {plain, gz}) {
    auto recs = read_all(path);
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].text == "CCO");
    CHECK(recs[0].id == "ethanol");
    CHECK(recs[0].line == 2);
    CHECK(recs[1].text == "c1ccccc1");
    CHECK(recs[1].id == "benzene");
    CHECK(recs[2].text == "CCN |$a;b;c$|");
    CHECK(recs[2].id == "labelled");
    CHECK(recs[3].text == "C");
    CHECK(recs[3].id.empty());
    CHECK(recs[3].index == 3);
  }
  CHECK(count_records_fast(plain, "smi") == 6);  // an upper bound (blank lines and header count)
  CHECK(count_records_fast(gz, "smi") == -1);
}

TEST_CASE("CSV/TSV: columns by name, malformed lines become record errors", "[chem]") {
  ReaderOptions o;
  o.id_col = "id";
  o.value_cols = {"y"};
  auto recs = read_all(testing::data_path("adversarial.csv"), o);
  REQUIRE(recs.size() == 18);
  CHECK(recs[0].id == "ok_ethanol");
  CHECK(recs[0].text == "CCO");
  CHECK(recs[0].values == std::vector<std::string>{"1.5"});
  CHECK(recs[2].text.empty());
  CHECK(recs[5].text == "CC O");
  CHECK(recs[6].text == std::string("CC\0O", 4));
  CHECK(recs[16].id == "too_many_fields");
  CHECK(recs[16].error.find("4 fields but the header has 3") != std::string::npos);
  CHECK(recs[17].error.empty());

  o.value_cols = {"nope"};
  try {
    read_all(testing::data_path("adversarial.csv"), o);
    FAIL("expected UsageError");
  } catch (const core::UsageError& e) {
    CHECK(std::string(e.what()).find("no value column 'nope' (columns: id, smiles, y)") != std::string::npos);
  }

  testing::TempDir dir;
  std::ofstream(dir.file("x.tsv")) << "name\tSMILES\tact\nm1\tCCO\t1\nm2\t\"C(\t0\n";
  ReaderOptions t;
  t.value_cols = {"act"};
  auto tsv = read_all(dir.file("x.tsv"), t);
  REQUIRE(tsv.size() == 2);
  CHECK(tsv[0].text == "CCO");
  CHECK_FALSE(tsv[1].error.empty());  // unterminated quote
  CHECK_THROWS_AS(MoleculeReader::open(dir.file("x.xyz")), core::UsageError);
  CHECK_THROWS_AS(MoleculeReader::open(dir.file("missing.csv")), core::UsageError);
}

TEST_CASE("SDF files stream record by record with properties", "[chem]") {
  std::string egfr = testing::rdkit_data("Contrib/PBF/testData/egfr.sdf");
  auto recs = read_all(egfr);
  REQUIRE(recs.size() > 10);
  CHECK(count_records_fast(egfr, "sdf") == static_cast<std::int64_t>(recs.size()));
  for (const auto& r : recs) {
    CHECK(r.is_molblock);
    CHECK(r.error.empty());
    CHECK(r.text.find("M  END") != std::string::npos);
  }
  testing::TempDir dir;
  std::string sdf =
      "mol1\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0 0.0 0.0 C   0  0\nM  END\n> <pIC50>\n6.5\n\n> <ID>\nX1\n\n$$$$\n"
      "broken\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n$$$$\n";
  write_gz(dir.file("t.sdf.gz"), sdf);
  ReaderOptions o;
  o.id_col = "ID";
  o.value_cols = {"pIC50"};
  auto two = read_all(dir.file("t.sdf.gz"), o);
  REQUIRE(two.size() == 2);
  CHECK(two[0].id == "X1");
  CHECK(two[0].values[0] == "6.5");
  CHECK(two[0].error.empty());
  CHECK(two[1].error.find("no 'M  END'") != std::string::npos);
}

TEST_CASE("a truncated .gz file is an error, not a silently shortened library", "[chem]") {
  hitforge::testing::TempDir dir;
  const std::string full = dir.file("lib.smi.gz"), cut = dir.file("cut.smi.gz");
  gzFile gz = ::gzopen(full.c_str(), "wb");
  REQUIRE(gz);
  for (int i = 0; i < 2000; ++i) ::gzprintf(gz, "CCO%s m%d\n", i % 2 ? "C" : "N", i);
  ::gzclose(gz);
  CHECK(read_all(full).size() == 2000);
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(bytes.size() > 600);
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  CHECK_THROWS_WITH(read_all(cut), Catch::Contains("is truncated"));
}

TEST_CASE("next_chunk fills whole chunks, then the remainder, then nothing", "[chem]") {
  testing::TempDir dir;
  const std::string path = dir.file("five.smi");
  std::ofstream(path) << "C m1\nCC m2\nCCC m3\nCCCC m4\nCCCCC m5\n";
  auto reader = MoleculeReader::open(path);
  std::vector<InputRecord> chunk(2);
  CHECK(reader->next_chunk(chunk) == 2);
  CHECK((chunk[0].id == "m1" && chunk[1].id == "m2"));
  CHECK(reader->next_chunk(chunk) == 2);
  CHECK((chunk[0].id == "m3" && chunk[1].id == "m4"));
  CHECK(reader->next_chunk(chunk) == 1);
  CHECK(chunk[0].id == "m5");
  CHECK(chunk[0].index == 4);
  CHECK(reader->next_chunk(chunk) == 0);
  std::vector<InputRecord> none;
  CHECK(MoleculeReader::open(path)->next_chunk(none) == 0);
}
