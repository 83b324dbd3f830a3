#pragma once
// Options shared by every subcommand and the start-up sequence of the `hitforge` executable.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace hitforge::cli {

struct GlobalOptions {
  int threads = 0;                  ///< 0 = all hardware threads
  std::uint64_t seed = 0;
  std::string log_level = "info";
  std::string device = "cpu";
  bool progress = true;
  std::string command_line;         ///< recorded in provenance
};

/// Applies the global options: log level, thread counts (OpenMP/BLAS/torch together), BLAS check.
void apply_global_options(const GlobalOptions& g);

/// Subcommand registration, one function per file.
void register_dataset_commands(CLI::App& app, GlobalOptions& g);

}  // namespace hitforge::cli
