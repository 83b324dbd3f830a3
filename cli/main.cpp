// `hitforge` — the command users type. Data and chemistry commands run here; commands that need LibTorch are
// forwarded to `hitforge-ml` (see cli/common.h).
#include "cli/common.h"

int main(int argc, char** argv) {
  using namespace hitforge;
  if (int rc = cli::forward_ml_command(argc, argv); rc >= 0) return rc;
  cli::GlobalOptions g;
  CLI::App app{"hitforge — C++ compute framework for AI drug discovery"};
  cli::add_global_options(app, g);
  app.footer(
      "Examples:\n"
      "  hitforge dataset build compounds.csv --smiles-col smiles --targets pIC50 --out ds.h5\n"
      "  hitforge dataset split ds.h5 --method scaffold --sizes 0.8,0.1,0.1 --seed 0 --name scaffold\n"
      "  hitforge dataset info ds.h5\n"
      "  hitforge doctor\n"
      "Run 'hitforge COMMAND --help' for a command's options.");
  cli::register_dataset_commands(app, g);
  cli::register_evaluate_vs_command(app, g);
  cli::register_search_command(app, g);
  cli::register_score_command(app, g);
  cli::register_gen_metrics_command(app, g);
  cli::register_ml_listing(app);
  return cli::run_app(app, g, argc, argv);
}
