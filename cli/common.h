#pragma once
// Options shared by every subcommand and the start-up sequence of the hitforge executables.
//
// Two executables, one command line: `hitforge` (data and chemistry commands; no LibTorch, so it starts in
// milliseconds instead of the ~1 s LibTorch's static initialisers take here) and `hitforge-ml` (commands that need
// LibTorch). `hitforge COMMAND ...` runs an ML command by exec'ing `hitforge-ml` from the same directory with the
// same arguments, so users only ever type `hitforge`.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hitforge::cli {

struct GlobalOptions {
  int threads = 0;                  ///< 0 = all hardware threads
  std::uint64_t seed = 0;
  std::string log_level = "info";
  std::string device = "cpu";
  bool progress = true;
  std::string command_line;         ///< recorded in provenance
};

/// Adds --threads, --seed, --log-level, --device, --no-progress to `app` (inherited by subcommands via fallthrough).
void add_global_options(CLI::App& app, GlobalOptions& g);
/// Applies log level and thread counts (OpenMP + BLAS) — for commands that do not load LibTorch.
void apply_global_options(const GlobalOptions& g);
/// Parses and runs; turns errors into one line on stderr and an exit code (2 usage, 3 internal, 1 other).
int run_app(CLI::App& app, GlobalOptions& g, int argc, char** argv);

/// Commands implemented by hitforge-ml: name and one-line description (shown in `hitforge --help`).
const std::vector<std::pair<std::string, std::string>>& ml_commands();

// Subcommand registration, one function per file.
void register_dataset_commands(CLI::App& app, GlobalOptions& g);
void register_evaluate_vs_command(CLI::App& app, GlobalOptions& g);
void register_search_command(CLI::App& app, GlobalOptions& g);
void register_score_command(CLI::App& app, GlobalOptions& g);
void register_gen_metrics_command(CLI::App& app, GlobalOptions& g);
/// If argv names an ML command, exec's hitforge-ml with the same arguments (returns only on failure, with an exit
/// code); returns -1 for other commands.
int forward_ml_command(int argc, char** argv);
void register_ml_listing(CLI::App& app);
// hitforge-ml
void register_doctor_command(CLI::App& app, GlobalOptions& g);
void register_train_command(CLI::App& app, GlobalOptions& g);
void register_generate_command(CLI::App& app, GlobalOptions& g);
void register_likelihood_command(CLI::App& app, GlobalOptions& g);
void register_optimize_command(CLI::App& app, GlobalOptions& g);
void register_predict_commands(CLI::App& app, GlobalOptions& g);  // predict, evaluate
void register_screen_command(CLI::App& app, GlobalOptions& g);    // screen, screen merge
void register_serve_command(CLI::App& app, GlobalOptions& g);
void register_protein_commands(CLI::App& app, GlobalOptions& g);  // protein sample|score|embed

}  // namespace hitforge::cli
