#include <iostream>

#include "cli/common.h"
#include "core/error.h"
#include "core/log.h"
#include "core/threads.h"

namespace hitforge::cli {

const std::vector<std::pair<std::string, std::string>>& ml_commands() {
  static const std::vector<std::pair<std::string, std::string>> cmds = {
      {"doctor", "Check the installation: versions, BLAS used by LibTorch (with a timed matmul), threads, devices"},
      {"train", "Train a property model (fp_mlp, dmpnn), a language model (smiles_lstm, smiles_transformer, protein_lm) "
                "or a drug–target model (dta); checkpoints, metrics, plots"},
      {"generate", "Sample SMILES from a trained language-model prior (smiles_lstm, smiles_transformer)"},
      {"likelihood", "Log-likelihood of given molecules under a language-model prior"},
      {"protein", "Sample, score (zero-shot mutation effects) or embed proteins with a protein language model"},
      {"optimize", "Goal-directed generation: REINVENT-style RL of a prior towards a scoring recipe"},
      {"evaluate", "Metrics of a trained run on a dataset split"},
      {"predict", "Predict properties for a compound file with a trained run (streams; ensembles give std)"},
      {"screen", "Score a library with a recipe (filters, QED/SA, similarity, models): top-k, shards, resume"},
      {"serve", "Screening server: durable campaigns, predictions and a dashboard over HTTP (docs/server.md)"},
  };
  return cmds;
}

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.set_version_flag("--version", std::string("hitforge ") + HITFORGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.add_option("--threads", g.threads, "Threads for OpenMP, BLAS and torch together (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", g.seed, "Random seed (splits, shuffling, training)");
  app.add_option("--log-level", g.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  app.add_option("--device", g.device, "Compute device for models: cpu, cuda, cuda:N");
  app.add_flag("!--no-progress", g.progress, "No progress bar / periodic progress lines");
}

void apply_global_options(const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::configure_threads(g.threads);
}

int run_app(CLI::App& app, GlobalOptions& g, int argc, char** argv) {
  for (int i = 0; i < argc; ++i) g.command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const core::UsageError& e) {
    std::cerr << "hitforge: error: " << e.what() << "\n";
    return 2;
  } catch (const core::InternalError& e) {
    std::cerr << "hitforge: " << e.what() << "\n(this is a bug in hitforge; please report it)\n";
    return 3;
  } catch (const std::exception& e) {
    // LibTorch errors (c10::Error) append a C++ backtrace: keep the message, drop the frames.
    std::string msg = e.what();
    if (auto cut = msg.find("\nException raised from"); cut != std::string::npos) msg.resize(cut);
    std::cerr << "hitforge: error: " << msg << "\n";
    return 1;
  }
  return 0;
}

}  // namespace hitforge::cli
