#pragma once
// Plain request/response types shared by the router, the handlers and the Beast transport. Deliberately free of
// Boost.Beast and LibTorch headers: every handler TU includes this, and each of those headers costs ~20 s here.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hitforge::serve {

struct Request {
  std::string method;  ///< "GET", "POST", ... (upper case, as sent)
  std::string path;    ///< percent-decoded path without the query ("/v1/campaigns/abc")
  std::map<std::string, std::string> query;          ///< decoded query parameters (last value wins)
  std::map<std::string, std::string> headers;        ///< names lower-cased
  std::map<std::string, std::string> path_params;    ///< filled by the router ("{id}" → "abc")
  std::string body;
  std::string route;  ///< the matched route's pattern ("/v1/campaigns/{id}"), for metrics; "" before routing
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();

  /// Header value by lower-case name, "" when absent.
  std::string header(const std::string& lower_name) const;
  /// Query parameter, or `fallback`.
  std::string param(const std::string& name, const std::string& fallback = "") const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Retry-After, Content-Disposition)

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string content_type);
  /// {"error":{"code","message"}} — the only error shape the server sends. `message` must be safe to show a client:
  /// no internal paths, no exception text from libraries.
  static Response error(int status, std::string_view code, std::string_view message);
};

/// Thrown by handlers for a client-visible failure; the router turns it into Response::error. The message is sent
/// to the client verbatim, so it must not contain server paths or library exception text.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  /// Seconds for a Retry-After header (503s); 0 = none.
  int retry_after = 0;

 private:
  int status_;
  std::string code_;
};

/// Completion callback of an asynchronous handler: call exactly once, from any thread.
using Responder = std::function<void(Response)>;

/// Reason phrase for the status codes the server uses ("Not Found").
const char* status_reason(int status);

}  // namespace hitforge::serve
