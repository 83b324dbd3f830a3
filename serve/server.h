#pragma once
// The screening server as one object: model registry, campaign store, worker pool, campaign runner, router and
// HTTP transport, wired together. `hitforge serve` is a thin main around it; tests link the same library.
//
// Security defaults: binds 127.0.0.1. Any other address requires a bearer token: read from token_file, or
// generated (256 random bits, hex) into token_file — or next to the store when none is given — with mode 0600.
// A token file readable by group or others is refused. With a token, every route but /healthz and /readyz
// requires it (router.h).
//
// Shutdown (shutdown(), e.g. on SIGTERM): /readyz turns 503 and work-creating routes answer 503; the campaign runner
// finishes and commits the chunk it is scoring; queued synchronous requests are answered 503, running ones finish;
// in-flight responses are written; then the transport stops. Unfinished campaigns resume at the next start.
#include <cstdint>
#include <memory>
#include <string>

#include "serve/http_server.h"

namespace hitforge::serve {

class Router;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  ///< 0 = any free port
  std::string model_dir;            ///< holds manifest.json (model_registry.h)
  std::string store = "campaigns.db";
  std::string token_file;           ///< "" = none (loopback) / generated next to the store (other addresses)
  std::string device = "cpu";
  int workers = 1;                  ///< scoring threads (each runs OpenMP/torch with threads / workers threads)
  int threads = 0;                  ///< total compute threads; 0 = all hardware threads
  int io_threads = 2;               ///< Beast I/O threads (parse, route, cheap handlers, store reads)
  std::size_t queue_capacity = 64;  ///< synchronous jobs waiting for a worker; more → 503 + Retry-After
  std::size_t max_batch = 512;      ///< molecules per dynamically merged batch
  int batch_window_us = 2000;       ///< how long a worker collects a batch when clients are concurrent
  std::int64_t campaign_chunk = 256;            ///< records per campaign commit
  std::int64_t max_campaign_records = 1000000;  ///< per campaign
  std::size_t max_active_campaigns = 100;       ///< queued + running; more → 503 + Retry-After
  std::size_t max_sync_molecules = 100;         ///< per /v1/predict or /v1/score request
  int default_deadline_ms = 10000, max_deadline_ms = 60000;
  std::size_t max_json_body = 1 << 20;          ///< bytes, JSON routes
  std::size_t max_upload_body = 64 << 20;       ///< bytes, POST /v1/campaigns
  std::size_t max_json_depth = 64;
  HttpLimits http;                              ///< timeouts, header and connection limits (body limits set above)
};

class Server {
 public:
  /// Verifies models, opens the store, resolves the token, builds the routes. UsageError on any problem.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, starts the workers (unfinished campaigns resume) and the I/O threads.
  void start();
  int port() const;
  /// Graceful stop (see above); idempotent; returns when everything is stopped.
  void shutdown();

  const std::string& token() const;
  /// Where a generated token was written ("" when the token was given or there is none).
  const std::string& generated_token_file() const;
  const Router& router() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hitforge::serve
