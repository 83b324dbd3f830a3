// Forwards LibTorch commands to the `hitforge-ml` executable next to this one (same arguments, exec, so signals,
// exit codes and stdio behave as if it were one program).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "cli/common.h"
#include "core/error.h"

namespace hitforge::cli {

namespace {
std::string ml_binary_path() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* rel : {"hitforge-ml", "ml/hitforge-ml"}) {
      auto candidate = self.parent_path() / rel;
      if (std::filesystem::exists(candidate)) return candidate.string();
    }
  }
  return "hitforge-ml";  // fall back to PATH
}
}  // namespace

void register_ml_passthrough(CLI::App& app, int argc, char** argv) {
  for (const auto& [name, description] : ml_commands()) {
    CLI::App* sub = app.add_subcommand(name, description);
    sub->prefix_command();  // everything after the name belongs to hitforge-ml
    sub->set_help_flag();   // --help too
    sub->callback([argc, argv] {
      std::string bin = ml_binary_path();
      std::vector<char*> args(argv, argv + argc);
      args[0] = const_cast<char*>(bin.c_str());
      args.push_back(nullptr);
      ::execvp(bin.c_str(), args.data());
      throw core::UsageError(core::str_cat("cannot run '", bin, "' (", std::strerror(errno),
                                           "): it is built next to hitforge; rebuild with 'make build'"));
    });
  }
}

}  // namespace hitforge::cli
