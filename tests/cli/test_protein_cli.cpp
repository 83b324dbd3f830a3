// Protein language model end to end on the built binary: `dataset build --sequences`, `train --model protein_lm`,
// `protein sample | score | embed`, on a synthetic protein family whose sequences are strings of a few motifs (so a
// model that learns them beats the amino-acid frequency baseline by far).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "core/hdf5_util.h"
#include "test_util.h"

using namespace hitforge::testing;
namespace fs = std::filesystem;

namespace {

// Motif strings of 20–58 residues; one 120-residue protein (longer than the model's 64 positions) and a duplicate.
std::string write_family(const std::string& path, int n, std::uint64_t seed) {
  static const char* motifs[] = {"MKTAYIAKQR", "GSGSG", "HHHHHH", "LLEELLKK", "PWCDFNY"};
  std::mt19937_64 rng(seed);
  std::ofstream out(path);
  std::string first;
  for (int i = 0; i < n; ++i) {
    std::string s;
    const std::size_t want = 20 + rng() % 30;  // at most 58 residues: all but "long" fit in 64 positions
    while (s.size() < want) s += motifs[rng() % 5];
    if (i == 0) first = s;
    out << ">p" << i << " synthetic\n" << s << "\n";
  }
  std::string long_one;
  while (long_one.size() < 120) long_one += motifs[rng() % 5];
  out << ">long\n" << long_one << "\n>dup_of_p0\n" << first << "\n>bad\nMKT*AY\n";
  return first;
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const auto header = csv_fields(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto f = csv_fields(line);
    std::map<std::string, std::string> row;
    for (std::size_t k = 0; k < header.size(); ++k) row[header[k]] = k < f.size() ? f[k] : "";
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("protein_lm: dataset build --sequences, train, sample, score and embed", "[cli][protein]") {
  TempDir dir;
  const std::string fasta = dir.file("family.fasta"), h5 = dir.file("proteins.h5"), plm = dir.file("plm"),
                    cfg = dir.file("plm.json");
  const std::string wt = write_family(fasta, 240, 7);

  auto b = run("dataset build --sequences " + fasta + " --valid-fraction 0.1 --test-fraction 0.1 --out " + h5 +
               " --log-level warn --no-progress");
  INFO(b.out);
  REQUIRE(b.rc == 0);
  CHECK(has(b.out, "243 proteins (242 ok"));
  CHECK(has(b.out, "split 'by_sequence'"));
  CHECK(has(b.out, "protein 242 (bad)"));
  {  // dataset info summarises the proteins of a sequence dataset
    auto i = run("dataset info " + h5);
    INFO(i.out);
    REQUIRE(i.rc == 0);
    CHECK(has(i.out, "protein sequence dataset"));
    // dup_of_p0 repeats p0 and one synthetic sequence repeats by chance; the builder counted the same
    CHECK(has(b.out, "240 distinct sequences"));
    CHECK(has(i.out, "proteins: 243  ok: 242  distinct sequences: 240"));
    CHECK(has(i.out, ", max 120 residues"));
    CHECK(has(i.out, "protein 242 (bad): "));
  }

  std::ofstream(cfg) << R"({"d_model": 32, "heads": 2, "layers": 2, "max_positions": 64, "dropout": 0.0})";
  auto t = run("train --data " + h5 + " --model protein_lm --config " + cfg +
               " --epochs 12 --batch-size 16 --lr 5e-3 --init-lr 5e-4 --final-lr 5e-4 --warmup-epochs 1 "
               "--threads 1 --no-progress --log-level info --out " + plm);
  INFO(t.out);
  REQUIRE(t.rc == 0);
  CHECK(has(t.out, "cut to <bos> and its first 63 residues"));  // the 120-residue protein
  auto m = nlohmann::json::parse(slurp(plm + "/metrics.json"));
  const double test_ppl = m["test"]["perplexity"].get<double>();
  const double unigram_ppl = m["unigram_baseline"]["test"]["perplexity"].get<double>();
  INFO("test perplexity " << test_ppl << " vs unigram " << unigram_ppl);
  CHECK(test_ppl < 0.6 * unigram_ppl);

  {  // a protein LM is refused by the SMILES commands
    auto g = run("generate --model " + plm + " --n 5 --out " + dir.file("x.smi") + " --log-level warn");
    CHECK(g.rc != 0);
    CHECK(has(g.out, "is a protein language model"));
  }

  {  // sample: residues only, lengths inside the range
    auto s = run("protein sample --model " + plm + " --n 20 --min-length 15 --max-length 60 --seed 3 --out " +
                 dir.file("s.fasta") + " --log-level warn --no-progress");
    INFO(s.out);
    REQUIRE(s.rc == 0);
    std::ifstream in(dir.file("s.fasta"));
    int n = 0;
    for (std::string header, seq; std::getline(in, header) && std::getline(in, seq); ++n) {
      CHECK(header.rfind(">sample_", 0) == 0);
      CHECK(seq.size() >= 15);
      CHECK(seq.size() <= 60);
      CHECK(seq.find_first_not_of("ACDEFGHIKLMNPQRSTVWYX") == std::string::npos);
    }
    CHECK(n == 20);
  }

  {  // score: per-sequence likelihoods, and mutation effects = log-likelihood differences
    // no motif starts with A or has Y second: X1A is a real change, Y2A names the wrong wild type
    const std::string mutant = "A" + wt.substr(1);
    const std::string first(1, wt[0]);
    std::ofstream(dir.file("two.fasta")) << ">wt\n" << wt << "\n>mut\n" << mutant << "\n>too_long\n"
                                         << std::string(70, 'A') << "\n";
    auto s = run("protein score --model " + plm + " --input " + dir.file("two.fasta") + " --out " +
                 dir.file("ll.csv") + " --log-level warn --no-progress");
    INFO(s.out);
    REQUIRE(s.rc == 0);
    auto rows = read_csv(dir.file("ll.csv"));
    REQUIRE(rows.size() == 3);
    CHECK(rows[0]["status"] == "ok");
    CHECK(rows[2]["status"] == "invalid");
    CHECK(has(rows[2]["reason"], "too long"));
    const double ll_wt = std::stod(rows[0]["log_likelihood"]), ll_mut = std::stod(rows[1]["log_likelihood"]);
    CHECK(std::abs(std::stod(rows[0]["perplexity"]) - std::exp(-ll_wt / (wt.size() + 1))) < 1e-3);

    std::ofstream(dir.file("dms.csv")) << "\xEF\xBB\xBF" << "id,mutant,score\n0," << first << "1A,1.0\n1," << first << "1"
                                       << first << ",0.5\n2,Y2A,0.1\n3,X,0\n";
    auto d = run("protein score --model " + plm + " --wild-type " + dir.file("two.fasta") + " --mutations " +
                 dir.file("dms.csv") + " --out " + dir.file("dms_out.csv") + " --log-level warn --no-progress");
    INFO(d.out);
    REQUIRE(d.rc == 0);
    auto r = read_csv(dir.file("dms_out.csv"));
    REQUIRE(r.size() == 4);
    CHECK(r[0]["status"] == "ok");
    CHECK(std::abs(std::stod(r[0]["log_likelihood_ratio"]) - (ll_mut - ll_wt)) < 1e-3);
    CHECK(std::abs(std::stod(r[1]["log_likelihood_ratio"])) < 1e-9);  // synonymous
    CHECK(r[2]["status"] == "invalid");
    CHECK(has(r[2]["reason"], "not Y"));
    CHECK(r[3]["status"] == "invalid");
  }

  {  // embed: one row per sequence, identical sequences embed identically, long ones are cropped
    std::ofstream(dir.file("e.fasta")) << ">a\n" << wt << "\n>b\n" << wt << "\n>c\nGSGSGHHHHHH\n>long\n"
                                       << std::string(100, 'L') << "\n>bad\nMK1\n";
    auto e = run("protein embed --model " + plm + " --input " + dir.file("e.fasta") + " --out " + dir.file("e.h5") +
                 " --log-level warn --no-progress");
    INFO(e.out);
    REQUIRE(e.rc == 0);
    auto f = hitforge::core::h5::open_file(dir.file("e.h5"));
    auto emb = hitforge::core::h5::read_all<float>(f.openDataSet("embedding"));
    auto status = hitforge::core::h5::read_all<std::uint8_t>(f.openDataSet("status"));
    auto used = hitforge::core::h5::read_all<std::int64_t>(f.openDataSet("residues_used"));
    REQUIRE(emb.size() == 5 * 32);
    CHECK(status == std::vector<std::uint8_t>{0, 0, 0, 0, 1});
    CHECK(used[3] == 63);
    double diff_ab = 0, diff_ac = 0;
    for (int k = 0; k < 32; ++k) {
      diff_ab += std::abs(emb[k] - emb[32 + k]);
      diff_ac += std::abs(emb[k] - emb[64 + k]);
    }
    CHECK(diff_ab < 1e-5);
    CHECK(diff_ac > 1e-3);
    CHECK(std::isnan(emb[4 * 32]));
  }
}
