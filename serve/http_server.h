#pragma once
// HTTP/1.1 transport on Boost.Beast with asynchronous I/O. Beast stays inside http_server.cpp (a Beast TU costs
// ~20 s to compile here); callers see only serve::Request/Response.
//
// Limits, all enforced before the corresponding bytes are buffered:
//   * request line + headers: max_header_bytes (431 and close);
//   * body: the per-route limit from body_limit(method, path), checked against Content-Length as soon as the
//     headers are in (413 before any body byte is read) and, for chunked bodies, while reading (413 as soon as the
//     running total passes it); Content-Encoding other than identity → 415, a transfer coding other than chunked
//     → 501 (the server never inflates anything);
//   * time: header_timeout for a request's headers, body_timeout for its body, idle_timeout between keep-alive
//     requests, write_timeout for a response; a stalled peer is dropped;
//   * connections: max_connections at once (the next one gets 503 + Retry-After and is closed), at most
//     max_requests_per_connection per keep-alive connection.
// After an error response whose request body was not read, the connection is half-closed and drained briefly so
// that the client can read the response instead of receiving a reset.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "serve/http_types.h"

namespace hitforge::serve {

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;  ///< default when body_limit is not set
  /// Per-route body limit (bytes); may be null.
  std::function<std::size_t(const std::string& method, const std::string& path)> body_limit;
  std::chrono::milliseconds header_timeout{10'000}, body_timeout{120'000}, idle_timeout{30'000},
      write_timeout{60'000};
  std::size_t max_connections = 512;
  std::size_t max_requests_per_connection = 10'000;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  ///< 0 = any free port (see HttpServer::port)
  int io_threads = 1;
  HttpLimits limits;
};

class HttpServer {
 public:
  using RequestHandler = std::function<void(Request&, Responder)>;

  /// `handler` runs on an I/O thread and must not block for long: it answers through the Responder, from any thread.
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens, then starts the I/O threads. UsageError when the address cannot be bound.
  void start();
  /// The bound port (after start).
  int port() const;
  /// Stops accepting; open connections finish their current request and are closed instead of kept alive.
  void stop_accepting();
  /// Waits until no request is in flight (or `timeout` passes); returns true when drained.
  bool drain(std::chrono::milliseconds timeout);
  /// Stops the I/O threads and closes every connection. Idempotent.
  void stop();

  std::size_t open_connections() const;
  std::size_t requests_in_flight() const;

  struct Impl;  // public only so that the connection objects in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hitforge::serve
