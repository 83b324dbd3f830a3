// FASTA reading (plain, gzip, CRLF, errors with line numbers) and atomic writing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chem/fasta.h"
#include "core/error.h"
#include "test_util.h"

using hitforge::chem::FastaReader;
using hitforge::chem::FastaRecord;
using hitforge::chem::read_fasta;
using hitforge::chem::write_fasta;
using hitforge::core::UsageError;
using hitforge::testing::data_path;
using hitforge::testing::TempDir;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void check_tiny_proteins(const std::vector<FastaRecord>& recs) {
  REQUIRE(recs.size() == 5);
  CHECK(recs[0].id == "sp|P00001|TEST1_HUMAN");
  CHECK(recs[0].description == "Test protein one OS=Homo sapiens");
  CHECK(recs[0].sequence == "MKTAYIAKQRQISFVKSHFSRQ");  // joined across lines and a blank line
  CHECK(recs[1].id == "seq2");
  CHECK(recs[1].description.empty());
  CHECK(recs[1].sequence == "ACDEFGHIKLMNPQRSTVWYacdefghikl");  // inner whitespace removed, case kept
  CHECK(recs[2].id == "spaced_id");
  CHECK(recs[2].description == "description with   spaces");
  CHECK(recs[2].sequence == "BZUOJX");
  CHECK(recs[3].id == "empty_seq");
  CHECK(recs[3].sequence.empty());
  CHECK(recs[4].id == "last");
  CHECK(recs[4].description == "final record");
  CHECK(recs[4].sequence == "MK");
}

}  // namespace

TEST_CASE("FASTA reader joins multi-line records and splits id from description", "[chem]") {
  check_tiny_proteins(read_fasta(data_path("tiny_proteins.fasta")));
}

TEST_CASE("FASTA reader decompresses .gz files", "[chem]") {
  check_tiny_proteins(read_fasta(data_path("tiny_proteins.fasta.gz")));
}

TEST_CASE("FASTA reader accepts CRLF line ends and a missing final newline", "[chem]") {
  TempDir dir;
  write_text(dir.file("crlf.fa"), ">a first\r\nMKV\r\nLL\r\n\r\n>b\r\nGG");
  const auto recs = read_fasta(dir.file("crlf.fa"));
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].id == "a");
  CHECK(recs[0].description == "first");
  CHECK(recs[0].sequence == "MKVLL");
  CHECK(recs[1].id == "b");
  CHECK(recs[1].sequence == "GG");
}

TEST_CASE("FASTA reader streams records and counts lines", "[chem]") {
  FastaReader reader(data_path("tiny_proteins.fasta"));
  FastaRecord rec;
  REQUIRE(reader.next(rec));
  CHECK(rec.id == "sp|P00001|TEST1_HUMAN");
  CHECK(reader.line_number() == 7);  // read ahead to the next header
  int n = 1;
  while (reader.next(rec)) ++n;
  CHECK(n == 5);
  CHECK_FALSE(reader.next(rec));  // stays at the end
}

TEST_CASE("FASTA reader errors name the file and line", "[chem]") {
  TempDir dir;
  SECTION("sequence before the first header") {
    write_text(dir.file("bad.fa"), "\n; comment\nMKV\n>a\nGG\n");
    FastaReader reader(dir.file("bad.fa"));
    FastaRecord rec;
    CHECK_THROWS_AS(reader.next(rec), UsageError);
    CHECK_THROWS_WITH(FastaReader(dir.file("bad.fa")).next(rec),
                      Catch::Contains("bad.fa:3:") && Catch::Contains("before the first '>' header"));
  }
  SECTION("header without an id") {
    write_text(dir.file("noid.fa"), ">a\nMK\n>   \nGG\n");
    FastaReader reader(dir.file("noid.fa"));
    FastaRecord rec;
    REQUIRE(reader.next(rec));
    CHECK_THROWS_WITH(reader.next(rec), Catch::Contains("noid.fa:3:") && Catch::Contains("without an id"));
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(FastaReader(dir.file("missing.fa")), Catch::Contains("missing.fa"));
  }
  SECTION("truncated gzip") {
    const std::string gz = read_bytes(data_path("tiny_proteins.fasta.gz"));
    REQUIRE(gz.size() > 40);
    write_text(dir.file("cut.fa.gz"), gz.substr(0, gz.size() - 30));
    CHECK_THROWS_AS(read_fasta(dir.file("cut.fa.gz")), UsageError);
  }
  SECTION("empty file has no records") {
    write_text(dir.file("empty.fa"), "");
    CHECK(read_fasta(dir.file("empty.fa")).empty());
  }
}

TEST_CASE("write_fasta round-trips plain and gzip files atomically", "[chem]") {
  TempDir dir;
  const std::vector<FastaRecord> recs = {
      {"P1", "first protein", std::string(130, 'A') + "CDE"},
      {"P2", "", "MK"},
      {"P3", "empty", ""},
  };
  for (const char* name : {"out.fasta", "out.fasta.gz"}) {
    const std::string path = dir.file(name);
    write_fasta(path, recs, 60);
    const auto back = read_fasta(path);
    REQUIRE(back.size() == recs.size());
    for (std::size_t i = 0; i < recs.size(); ++i) {
      CHECK(back[i].id == recs[i].id);
      CHECK(back[i].description == recs[i].description);
      CHECK(back[i].sequence == recs[i].sequence);
    }
  }
  const std::string text = read_bytes(dir.file("out.fasta"));
  CHECK(text.rfind(">P1 first protein\n" + std::string(60, 'A') + "\n" + std::string(60, 'A') + "\n", 0) == 0);
  CHECK(read_bytes(dir.file("out.fasta.gz")).substr(0, 2) == "\x1f\x8b");  // really gzip
  // Only the two published files: no temporaries left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  CHECK(files == 2);

  CHECK_THROWS_AS(write_fasta(dir.file("bad.fa"), {{"has space", "", "MK"}}), UsageError);
  CHECK_THROWS_AS(write_fasta(dir.file("bad.fa"), {{"", "", "MK"}}), UsageError);
  CHECK_THROWS_AS(write_fasta(dir.file("bad.fa"), {{"x", "two\nlines", "MK"}}), UsageError);
  CHECK_FALSE(std::filesystem::exists(dir.file("bad.fa")));
}
