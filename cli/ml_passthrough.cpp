// Forwards LibTorch commands to the `hitforge-ml` executable next to this one (same arguments, exec, so signals,
// exit codes and stdio behave as if it were one program).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <vector>

#include "cli/common.h"
#include "core/blas_check.h"

namespace hitforge::cli {

namespace {
std::string ml_binary_path() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto candidate = self.parent_path() / "hitforge-ml";
    if (std::filesystem::exists(candidate)) return candidate.string();
  }
  return "hitforge-ml";  // fall back to PATH
}

// The first word that is not a global option (or a global option's value) is the command.
std::string command_word(int argc, char** argv) {
  static const std::set<std::string> with_value = {"--threads", "--seed", "--log-level", "--device"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (with_value.count(a)) {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return {};
}
}  // namespace

int forward_ml_command(int argc, char** argv) {
  std::string cmd = command_word(argc, argv);
  bool is_ml = false;
  for (const auto& [name, description] : ml_commands()) is_ml |= name == cmd;
  if (!is_ml) return -1;
  std::string bin = ml_binary_path();
  std::vector<char*> args(argv, argv + argc);
  args[0] = const_cast<char*>(bin.c_str());
  args.push_back(nullptr);
  // hitforge-ml alternates OpenMP loops (featurisation) with OpenBLAS GEMMs (models). Both runtimes spin-wait
  // after a parallel region by default, so each steals the cores from the other: measured on 2 cores, `predict`
  // took 12.6 s of CPU with spinning and 7.3 s without. Both read these variables only at start-up, hence here,
  // before exec (a user's own settings win).
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  ::setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
  // OpenBLAS's kernels for a CPU newer than the library (core/blas_check.h), also read only at load time
  core::choose_openblas_coretype(true);
  ::execvp(bin.c_str(), args.data());
  std::cerr << "hitforge: error: cannot run '" << bin << "' (" << std::strerror(errno)
            << "); it is built next to hitforge — rebuild with 'make build'\n";
  return 2;
}

void register_ml_listing(CLI::App& app) {
  // Listed in `hitforge --help`; never parsed here (forward_ml_command has exec'ed before parsing).
  for (const auto& [name, description] : ml_commands()) app.add_subcommand(name, description);
}

}  // namespace hitforge::cli
