#pragma once
// The route table. Each route is (method, path pattern with "{param}" segments, handler, OpenAPI operation).
// Authentication is a property of the router, not of handlers: when a token is set, every route requires
// "Authorization: Bearer <token>" unless it was registered as public (/healthz, /readyz); requests that match no
// public route are refused with 401 before 404/405 is decided, so unauthenticated clients learn nothing about the
// table. Handlers never throw to the transport: HttpError becomes its JSON error, core::UsageError a 400 whose
// message passed the message filter, anything else a 500 with a generic message (details go to the log).
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/http_types.h"

namespace hitforge::serve {

class Metrics;

/// Asynchronous handler: must call `respond` exactly once (possibly later, from a worker thread) unless it throws.
using Handler = std::function<void(Request&, Responder)>;
/// Synchronous handler, for cheap routes that run on the I/O thread.
using SyncHandler = std::function<Response(Request&)>;

struct Route {
  std::string method;   ///< "GET", "POST", "DELETE"
  std::string pattern;  ///< "/v1/campaigns/{id}/results"
  bool is_public = false;
  Handler handler;
  nlohmann::json openapi;  ///< OpenAPI 3 operation object (summary, parameters, requestBody, responses)
};

class Router {
 public:
  /// `metrics` (may be null, must outlive the router) receives one observation per answered request.
  explicit Router(Metrics* metrics = nullptr) : metrics_(metrics) {}

  void add(Route route);
  void add_sync(std::string method, std::string pattern, SyncHandler handler, nlohmann::json openapi,
               bool is_public = false);

  /// Empty = no authentication. The token is accepted in "Authorization: Bearer <token>" or, for the dashboard in a
  /// browser, in the SameSite=Strict cookie "hitforge_token" (cross-site requests never carry it).
  void set_token(std::string token) { token_ = std::move(token); }
  /// Body of a 401 answered to a browser (a GET whose Accept includes text/html): a page that asks for the token.
  void set_login_page(std::string html) { login_page_ = std::move(html); }
  bool requires_token() const { return !token_.empty(); }
  /// Applied to core::UsageError messages before they reach a client (strips server paths).
  void set_message_filter(std::function<std::string(const std::string&)> f) { filter_ = std::move(f); }

  /// Routes, authenticates and runs the handler; `respond` is called exactly once.
  void dispatch(Request& request, Responder respond) const;

  const std::vector<Route>& routes() const { return routes_; }

  /// Matches `pattern` against `path`, filling `params`; exposed for tests.
  static bool match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params);

  /// The error response for the exception being handled (call inside a catch block); for handlers that finish on
  /// another thread and must convert their own exceptions.
  Response from_exception() const;

 private:
  bool authorized(const Request& request) const;

  Metrics* metrics_;
  std::vector<Route> routes_;
  std::string token_, login_page_;
  std::function<std::string(const std::string&)> filter_;
};

}  // namespace hitforge::serve
