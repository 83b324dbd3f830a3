// Black-box round trip of the built CLI: dataset build (smiles_tokens) → train --model smiles_lstm → generate, with
// reproducible samples per seed, --unique, --valid-only, and one-line errors for the wrong kind of run or data.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "test_util.h"

using namespace hitforge::testing;
namespace fs = std::filesystem;

TEST_CASE("train smiles_lstm then generate: a CLI round trip", "[cli][integration]") {
  TempDir dir;
  const std::string prior = dir.file("prior");
  auto t = train_tiny_prior_cli(dir.path());
  INFO(t.out);
  REQUIRE(t.rc == 0);
  CHECK(has(t.out, "prior: " + prior));
  CHECK(has(t.out, "valid: NLL"));
  for (const char* f : {"run.json", "model.pt", "state.pt", "log.jsonl", "metrics.json", "learning_curve.svg"})
    CHECK(fs::exists(prior + "/" + f));
  auto run_json = nlohmann::json::parse(slurp(prior + "/run.json"));
  CHECK(run_json["format"] == "hitforge-language-model");
  CHECK(run_json["vocabulary"]["tokens"][2] == "<eos>");
  CHECK(has(run_json["dataset"]["split"].get<std::string>(), "random"));

  const std::string gen = dir.file("gen.smi");
  auto g = run("generate --model " + prior + " --n 60 --batch-size 25 --seed 3 --max-length 80 --threads 1 --out " +
               gen + " --no-progress");
  INFO(g.out);
  REQUIRE(g.rc == 0);
  CHECK(has(g.out, "wrote 60 SMILES"));
  auto lines = read_lines(gen);
  REQUIRE(lines.size() == 60);
  for (const auto& l : lines) {
    auto tab = l.find('\t');
    REQUIRE(tab != std::string::npos);
    CHECK(tab > 0);  // never an empty SMILES
    CHECK(std::stod(l.substr(tab + 1)) < 0);
  }
  // same seed and threads: same file; another seed: other samples
  auto g2 = run("generate --model " + prior + " --n 60 --batch-size 25 --seed 3 --max-length 80 --threads 1 --out " +
                dir.file("gen2.smi") + " --no-progress");
  REQUIRE(g2.rc == 0);
  CHECK(slurp(gen) == slurp(dir.file("gen2.smi")));
  REQUIRE(run("generate --model " + prior + "/model.pt --n 60 --batch-size 25 --seed 4 --max-length 80 --threads 1 --out " +
              dir.file("gen3.smi") + " --no-progress").rc == 0);
  CHECK(slurp(gen) != slurp(dir.file("gen3.smi")));

  // --unique: distinct strings; csv output with a header; top-k and temperature accepted
  auto u = run("generate --model " + prior + " --n 40 --unique --top-k 5 --temperature 1.2 --seed 1 --threads 1 --out " +
               dir.file("u.csv") + " --no-progress");
  INFO(u.out);
  REQUIRE(u.rc == 0);
  auto ul = read_lines(dir.file("u.csv"));
  REQUIRE(!ul.empty());
  CHECK(ul[0] == "smiles,log_likelihood,complete");
  std::set<std::string> distinct;
  for (std::size_t i = 1; i < ul.size(); ++i) distinct.insert(ul[i].substr(0, ul[i].find(',')));
  CHECK(distinct.size() == ul.size() - 1);

  // --valid-only keeps SMILES that parse (a 2-epoch prior writes some); a count is reported
  auto v = run("generate --model " + prior + " --n 5 --valid-only --seed 2 --threads 1 --out " + dir.file("v.smi") +
               " --no-progress");
  INFO(v.out);
  REQUIRE(v.rc == 0);
  CHECK(has(v.out, "invalid or incomplete dropped"));

  // errors: bad options, a property-model run, data without tokens
  auto bad = run("generate --model " + prior + " --n 5 --top-p 0 --out " + dir.file("x.smi"));
  CHECK(bad.rc == 2);
  CHECK(has(bad.out, "--top-p must be in (0, 1]"));
  const std::string fp = dir.file("fp.h5");
  REQUIRE(run("dataset build " + data_path("nci_tpsa_600.csv") + " --targets tpsa --featurizer morgan:bits=256 --out " +
              fp + " --log-level warn --no-progress").rc == 0);
  auto nt = run("train --data " + fp + " --model smiles_lstm --epochs 1 --out " + dir.file("p2") + " --no-progress");
  CHECK(nt.rc == 2);
  CHECK(has(nt.out, "--featurizer smiles_tokens"));
  REQUIRE(run("dataset split " + fp + " --method random --name r --log-level warn").rc == 0);
  REQUIRE(run("train --data " + fp + " --split r --model fp_mlp --epochs 1 --threads 1 --no-plots --no-progress --log-level warn "
              "--out " + dir.file("mlp")).rc == 0);
  auto wrong = run("generate --model " + dir.file("mlp") + " --n 5 --out " + dir.file("y.smi"));
  CHECK(wrong.rc == 2);
  CHECK(has(wrong.out, "property-model run"));
  auto nosplit = run("train --data " + fp + " --model fp_mlp --epochs 1 --out " + dir.file("mlp2") + " --no-progress");
  CHECK(nosplit.rc == 2);
  CHECK(has(nosplit.out, "--split"));
}

TEST_CASE("likelihood: given SMILES score as generate's own log-likelihoods; bad records are named", "[cli][integration]") {
  TempDir dir;
  const std::string prior = dir.file("prior");
  auto t = train_tiny_prior_cli(dir.path());
  INFO(t.out);
  REQUIRE(t.rc == 0);
  // samples that parse (a 2-epoch prior writes many that do not), with the log-likelihood generate reports
  REQUIRE(run("generate --model " + prior + " --n 12 --valid-only --seed 5 --threads 1 --out " + dir.file("g.csv") +
              " --no-progress").rc == 0);
  std::vector<std::pair<std::string, double>> sampled;
  auto gl = read_lines(dir.file("g.csv"));
  for (std::size_t i = 1; i < gl.size(); ++i) {
    const auto c1 = gl[i].rfind(','), c0 = gl[i].rfind(',', c1 - 1);
    if (gl[i].substr(c1 + 1) == "1" && gl[i][0] != '"')
      sampled.emplace_back(gl[i].substr(0, c0), std::stod(gl[i].substr(c0 + 1, c1 - c0 - 1)));
  }
  REQUIRE(sampled.size() == 12);
  {
    std::ofstream in(dir.file("in.smi"));
    for (std::size_t i = 0; i < sampled.size(); ++i) in << sampled[i].first << " s" << i << "\n";
    in << "C1CC bad_ring\n[U] uranium\n";
  }
  auto r = run("likelihood --model " + prior + " --input " + dir.file("in.smi") + " --input-spelling --threads 1 "
               "--out " + dir.file("ll.csv") + " --no-progress");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  auto lines = read_lines(dir.file("ll.csv"));
  REQUIRE(lines.size() == sampled.size() + 3);
  CHECK(lines[0] == "index,id,smiles,status,reason,log_likelihood,nll_per_token,tokens");
  int compared = 0;
  for (std::size_t i = 0; i < sampled.size(); ++i) {
    std::vector<std::string> f;
    std::stringstream ss(lines[i + 1]);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    INFO(lines[i + 1]);
    REQUIRE(f.size() >= 6);
    CHECK(f[3] == "ok");
    CHECK(std::stod(f[5]) == Approx(sampled[i].second).epsilon(1e-4));
    ++compared;
  }
  CHECK(compared == 12);
  CHECK(has(lines[sampled.size() + 1], "bad_ring,C1CC,invalid,"));
  CHECK(has(lines[sampled.size() + 2], "token '[U]' is not in the prior's vocabulary"));
  // canonical spelling (the default) scores a molecule the same whichever way it was written
  {
    std::ofstream in(dir.file("two.smi"));
    in << "OCC(=O)c1ccccc1 a\nc1ccc(cc1)C(=O)CO b\n";
  }
  REQUIRE(run("likelihood --model " + prior + " --input " + dir.file("two.smi") + " --threads 1 --out " +
              dir.file("two.csv") + " --no-progress").rc == 0);
  auto two = read_lines(dir.file("two.csv"));
  REQUIRE(two.size() == 3);
  CHECK(two[1].substr(two[1].find(",ok,")) == two[2].substr(two[2].find(",ok,")));
}
