// hitforge — command-line entry point. Thin glue: parse options, set up the runtime, call the libraries, turn
// errors into one clear line and an exit code (2 usage, 3 internal, 1 other).
#include <iostream>

#include "cli/common.h"
#include "core/error.h"
#include "core/log.h"
#include "core/torch_runtime.h"

namespace hitforge::cli {

void apply_global_options(const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
}

}  // namespace hitforge::cli

int main(int argc, char** argv) {
  using namespace hitforge;
  cli::GlobalOptions g;
  for (int i = 0; i < argc; ++i) g.command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"hitforge — C++ compute framework for AI drug discovery"};
  app.set_version_flag("--version", std::string("hitforge ") + HITFORGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.option_defaults()->always_capture_default();
  app.add_option("--threads", g.threads, "Threads for OpenMP, BLAS and torch together (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", g.seed, "Random seed (splits, shuffling, training)");
  app.add_option("--log-level", g.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  app.add_flag("!--no-progress", g.progress, "No progress bar / periodic progress lines");
  app.footer(
      "Examples:\n"
      "  hitforge dataset build compounds.csv --smiles-col smiles --targets pIC50 --out ds.h5\n"
      "  hitforge dataset split ds.h5 --method scaffold --sizes 0.8,0.1,0.1 --seed 0 --name scaffold\n"
      "  hitforge dataset info ds.h5\n"
      "Run 'hitforge COMMAND --help' for a command's options.");

  cli::register_dataset_commands(app, g);

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
    std::cerr << "hitforge: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
