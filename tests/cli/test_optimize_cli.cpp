// Black-box test of `hitforge optimize`: a tiny prior trained through the CLI, a short run with a QED recipe whose
// RUN_DIR files exist and parse (the agent samples with `hitforge generate`), and one-line errors with a non-zero
// exit code for a missing recipe, a bad option and a reused RUN_DIR.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "test_util.h"

using namespace hitforge::testing;
namespace fs = std::filesystem;

TEST_CASE("optimize: a short CLI run writes its run directory; bad inputs fail with one clear line",
          "[cli][integration]") {
  TempDir dir;
  const std::string prior = dir.file("prior");
  auto t = train_tiny_prior_cli(dir.path());
  INFO(t.out);
  REQUIRE(t.rc == 0);
  std::ofstream(dir.file("qed.json")) << R"({"name": "qed", "components": [{"scorer": "qed", "weight": 1}]})";

  const std::string out = dir.file("rl");
  auto o = run("optimize --prior " + prior + " --recipe " + dir.file("qed.json") +
               " --steps 4 --batch-size 16 --max-length 60 --checkpoint-every 2 --threads 1 --seed 2 --no-progress"
               " --out " +
               out);
  INFO(o.out);
  REQUIRE(o.rc == 0);
  CHECK(has(o.out, "optimized 4 steps"));
  CHECK(has(o.out, "top-100 mean score"));
  for (const char* f :
       {"run.json", "steps.jsonl", "population.csv", "learning_curve.svg", "agent/run.json", "agent/model.pt"})
    CHECK(fs::exists(out + "/" + f));
  auto run_json = nlohmann::json::parse(slurp(out + "/run.json"));
  CHECK(run_json["reward"]["components"][0] == "qed");
  CHECK(run_json["options"]["batch_size"] == 16);
  CHECK(run_json["summary"]["steps"] == 4);
  CHECK(has(slurp(out + "/population.csv"), "smiles,score,scaffold,first_step,times_sampled,qed"));
  // the agent is a prior-format checkpoint
  auto g = run("generate --model " + out + "/agent --n 5 --threads 1 --out " + dir.file("gen.smi") + " --no-progress");
  INFO(g.out);
  CHECK(g.rc == 0);
  CHECK(has(g.out, "wrote 5 SMILES"));

  // a missing recipe: one line naming it, exit code non-zero
  auto e =
      run("optimize --prior " + prior + " --recipe " + dir.file("nope.json") + " --steps 2 --out " + dir.file("rl2"));
  CHECK(e.rc != 0);
  CHECK(has(e.out, "nope.json"));
  CHECK_FALSE(fs::exists(dir.file("rl2") + "/steps.jsonl"));
  // a recipe with an unknown scorer
  std::ofstream(dir.file("bad.json")) << R"({"components": [{"scorer": "no_such_scorer"}]})";
  auto e2 =
      run("optimize --prior " + prior + " --recipe " + dir.file("bad.json") + " --steps 2 --out " + dir.file("rl3"));
  CHECK(e2.rc != 0);
  CHECK(has(e2.out, "no_such_scorer"));
  // a bad diversity filter
  auto e3 = run("optimize --prior " + prior + " --recipe " + dir.file("qed.json") +
                " --diversity-filter tanimoto --steps 2 --out " + dir.file("rl4"));
  CHECK(e3.rc != 0);
  CHECK(has(e3.out, "--diversity-filter"));
  // RUN_DIR already used
  auto e4 = run("optimize --prior " + prior + " --recipe " + dir.file("qed.json") + " --steps 2 --out " + out);
  CHECK(e4.rc != 0);
  CHECK(has(e4.out, "already holds"));
}
