// hitforge generate — sample SMILES from a trained language-model prior (hitforge train --model smiles_lstm or
// smiles_transformer).
#include <ATen/CPUGeneratorImpl.h>
#include <GraphMol/RWMol.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "chem/mol_input.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text.h"
#include "core/torch_runtime.h"
#include "train/lm_checkpoint.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

struct GenerateArgs {
  std::string model, out;
  std::int64_t n = 10000, batch = 128;
  models::SampleOptions sample;
  bool unique = false, valid_only = false;
};

void run_generate(GenerateArgs a, const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
  HITFORGE_REQUIRE(a.n >= 1 && a.batch >= 1, "--n and --batch-size must be >= 1");
  a.sample.n = a.batch;
  models::validate(a.sample);
  auto prior = train::load_language_model(a.model, core::parse_device(g.device));
  train::require_smiles_prior(prior, a.model);
  auto& model = *prior.model;
  const auto& vocab = prior.vocabulary;
  if (a.valid_only) chem::quiet_rdkit_logs();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(g.seed);

  const bool csv = a.out.size() >= 4 && a.out.compare(a.out.size() - 4, 4, ".csv") == 0;
  core::AtomicFile out_file(a.out);
  std::ofstream out(out_file.temp_path());
  HITFORGE_REQUIRE(out.good(), "cannot write '", a.out, "'");
  if (csv) out << "smiles,log_likelihood,complete\n";

  core::ProgressOptions po;
  po.label = "generate";
  po.unit = "SMILES";
  po.enabled = g.progress;
  core::ProgressBar bar(static_cast<std::uint64_t>(a.n), po);
  // unique / valid-only modes draw until n are accepted, within a budget (a prior that keeps repeating itself or
  // writing invalid SMILES must not loop forever)
  const std::int64_t budget = (a.unique || a.valid_only) ? 20 * a.n + a.batch : a.n;
  std::unordered_set<std::string> seen;
  std::int64_t written = 0, sampled = 0, truncated = 0, invalid = 0, duplicates = 0, tokens = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::string buf;
  while (written < a.n && sampled < budget) {
    models::SampleOptions so = a.sample;
    so.n = std::min(a.batch, (a.unique || a.valid_only) ? a.batch : a.n - written);
    auto r = model.sample(so, gen);
    sampled += so.n;
    tokens += r.computed_tokens;
    const double* ll = r.log_likelihood.data_ptr<double>();
    buf.clear();
    for (std::int64_t i = 0; i < so.n && written < a.n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (!r.complete[k]) ++truncated;
      std::string smiles = vocab.decode_string(r.sequences[k]);
      std::string key = smiles;
      if (a.valid_only) {
        auto parsed = chem::parse_smiles(smiles);
        if (!r.complete[k] || !parsed.ok()) {
          ++invalid;
          continue;
        }
        key = chem::canonical_smiles(*parsed.mol);
      }
      if (a.unique && !seen.insert(key).second) {
        ++duplicates;
        continue;
      }
      buf += csv ? str_cat(core::csv_field(smiles), ",", ll[i], ",", r.complete[k] ? 1 : 0, "\n")
                 : str_cat(smiles, "\t", ll[i], "\n");
      ++written;
      bar.add(1);
    }
    out << buf;
  }
  bar.finish();
  out.close();
  HITFORGE_REQUIRE(!out.fail(), "writing '", a.out, "' failed");
  out_file.commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "wrote " << written << " SMILES to " << a.out << " (" << sampled << " sampled in "
            << core::format_duration(secs) << ", " << core::format_rate(static_cast<double>(sampled) / secs)
            << " SMILES/s, " << core::format_rate(static_cast<double>(tokens) / secs) << " tokens/s; " << truncated
            << " reached --max-length " << a.sample.max_length << " without an end token";
  if (a.valid_only) std::cout << ", " << invalid << " invalid or incomplete dropped";
  if (a.unique) std::cout << ", " << duplicates << " duplicates dropped";
  std::cout << ")\n";
  if (written < a.n)
    core::log_warn(str_cat("only ", written, " of ", a.n, " SMILES met --unique/--valid-only within ", sampled,
                           " samples; the prior may be undertrained or the options too strict"));
}

}  // namespace

void register_generate_command(CLI::App& app, GlobalOptions& g) {
  static GenerateArgs a;
  CLI::App* cmd = app.add_subcommand("generate", "Sample SMILES from a trained language-model prior");
  cmd->add_option("--model", a.model,
                  "Prior: run directory of hitforge train --model smiles_lstm or smiles_transformer, or its model.pt")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--n", a.n, "SMILES to write")->check(CLI::PositiveNumber);
  cmd->add_option("--out", a.out, "Output: .smi (SMILES<TAB>log-likelihood) or .csv (smiles,log_likelihood,complete)")
      ->required();
  cmd->add_option("--temperature", a.sample.temperature, "Softmax temperature (> 0; < 1 sharper, > 1 more diverse)");
  cmd->add_option("--top-k", a.sample.top_k, "Sample among the k most likely tokens per step (0 = all)");
  cmd->add_option("--top-p", a.sample.top_p, "Nucleus sampling: smallest token set with this much mass (1 = off)");
  cmd->add_option("--max-length", a.sample.max_length, "Most tokens per SMILES (longer samples are cut and marked)");
  cmd->add_option("--batch-size", a.batch, "Sequences sampled together")->check(CLI::PositiveNumber);
  cmd->add_flag("--unique", a.unique, "Write each SMILES once (keeps sampling until --n distinct ones)");
  cmd->add_flag("--valid-only", a.valid_only,
                "Write only complete SMILES that RDKit parses (uniqueness then by canonical SMILES)");
  cmd->footer(
      "The log-likelihood is the model's own (temperature 1, no top-k/top-p), in nats, <eos> included; incomplete\n"
      "samples are written as drawn so that validity metrics see them. --seed and --threads fix the samples.\n"
      "Example:\n  hitforge generate --model priors/chembl --n 10000 --seed 1 --out gen.smi");
  cmd->callback([&g] { run_generate(a, g); });
}

}  // namespace hitforge::cli
