// `hitforge-ml` — the LibTorch half of the command line (users type `hitforge`, which forwards here).
#include "cli/common.h"
#include "core/blas_check.h"

int main(int argc, char** argv) {
  using namespace hitforge;
  core::reexec_for_openblas_coretype(argv);  // run directly (not through `hitforge`) on a CPU OpenBLAS does not know
  cli::GlobalOptions g;
  CLI::App app{"hitforge (LibTorch commands)"};
  app.name("hitforge");
  cli::add_global_options(app, g);
  cli::register_doctor_command(app, g);
  cli::register_train_command(app, g);
  cli::register_generate_command(app, g);
  cli::register_likelihood_command(app, g);
  cli::register_optimize_command(app, g);
  cli::register_protein_commands(app, g);
  cli::register_predict_commands(app, g);
  cli::register_screen_command(app, g);
  cli::register_serve_command(app, g);
  return cli::run_app(app, g, argc, argv);
}
