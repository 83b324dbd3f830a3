// hitforge serve — the screening server (serve/server.h) as a command: options, signals, nothing else.
#include <signal.h>

#include <iostream>

#include "cli/common.h"
#include "core/error.h"
#include "core/log.h"
#include "serve/model_registry.h"
#include "serve/server.h"

namespace hitforge::cli {

namespace {

struct ServeArgs {
  serve::ServerOptions o;
  bool pin_models = false;
  std::size_t max_upload_mb = 64;
};

int run_serve(ServeArgs& a, const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  if (a.pin_models) {
    const std::size_t n = serve::write_model_manifest(a.o.model_dir);
    std::cout << "pinned " << n << " model(s) in " << a.o.model_dir << "/manifest.json\n";
    return 0;
  }
  a.o.threads = g.threads;
  a.o.device = g.device;
  a.o.max_upload_body = a.max_upload_mb << 20;
  // Signals are taken synchronously by this thread (sigwait), so they are blocked before any thread exists: every
  // thread the server starts inherits the mask and none of them is interrupted by SIGTERM.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  serve::Server server(a.o);
  server.start();
  if (!server.generated_token_file().empty())
    std::cout << "bearer token generated into " << server.generated_token_file() << " (mode 0600)\n";
  std::cout << "listening on http://" << a.o.host << ":" << server.port() << "/ (dashboard at /, API at /v1)"
            << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  core::log_info(sig == SIGTERM ? "SIGTERM: draining" : "SIGINT: draining");
  server.shutdown();
  return 0;
}

}  // namespace

void register_serve_command(CLI::App& app, GlobalOptions& g) {
  static ServeArgs a;
  CLI::App* sc = app.add_subcommand("serve", "Screening server: campaigns, predictions, dashboard (HTTP)");
  sc->add_option("--model-dir", a.o.model_dir, "Directory with manifest.json pinning trained runs by sha256")
      ->required();
  sc->add_option("--host", a.o.host, "Address to bind (anything but loopback requires a token)");
  sc->add_option("--port", a.o.port, "Port (0 = any free port)")->check(CLI::Range(0, 65535));
  sc->add_option("--store", a.o.store, "SQLite campaign store (created if missing)");
  sc->add_option("--token-file", a.o.token_file, "Bearer token file (mode 0600); generated if it does not exist");
  sc->add_option("--workers", a.o.workers, "Scoring workers; each gets threads/workers threads")
      ->check(CLI::PositiveNumber);
  sc->add_option("--io-threads", a.o.io_threads, "HTTP I/O threads")->check(CLI::PositiveNumber);
  sc->add_option("--queue", a.o.queue_capacity, "Synchronous requests that may wait for a worker (then 503)")
      ->check(CLI::PositiveNumber);
  sc->add_option("--campaign-chunk", a.o.campaign_chunk, "Records per campaign commit")->check(CLI::PositiveNumber);
  sc->add_option("--batch-window-us", a.o.batch_window_us, "Dynamic batching window for concurrent requests")
      ->check(CLI::NonNegativeNumber);
  sc->add_option("--max-upload-mb", a.max_upload_mb, "Largest campaign upload (MiB)")->check(CLI::PositiveNumber);
  sc->add_flag("--pin-models", a.pin_models,
               "Write --model-dir/manifest.json pinning every run directory in it by sha256, then exit");
  sc->footer(
      "Examples:\n"
      "  hitforge serve --model-dir models --pin-models\n"
      "  hitforge serve --model-dir models --store campaigns.db --port 8080\n"
      "  hitforge serve --model-dir models --host 0.0.0.0 --token-file serve.token   (token generated, 0600)\n"
      "Routes, durability and security: docs/server.md; OpenAPI at /openapi.json.");
  sc->callback([&g] {
    const int rc = run_serve(a, g);
    if (rc != 0) std::exit(rc);
  });
}

}  // namespace hitforge::cli
