#include "serve/router.h"

#include <chrono>
#include <memory>

#include "core/error.h"
#include "core/log.h"
#include "serve/metrics.h"

namespace hitforge::serve {

namespace {
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Constant-time comparison: the time taken does not reveal how many leading characters of a guess were right.
bool equal_constant_time(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}
}  // namespace

bool Router::match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  auto p = segments(pattern), s = segments(path);
  if (p.size() != s.size()) return false;
  if (!path.empty() && path.back() == '/' && path != "/") return false;  // "/v1/models/" is not "/v1/models"
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}')
      found[std::string(p[i].substr(1, p[i].size() - 2))] = std::string(s[i]);
    else if (p[i] != s[i])
      return false;
  }
  params = std::move(found);
  return true;
}

void Router::add(Route route) {
  HITFORGE_CHECK(route.handler, "route without handler: ", route.pattern);
  routes_.push_back(std::move(route));
}

void Router::add_sync(std::string method, std::string pattern, SyncHandler handler, nlohmann::json openapi,
                      bool is_public) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.is_public = is_public;
  r.openapi = std::move(openapi);
  r.handler = [h = std::move(handler)](Request& req, Responder respond) { respond(h(req)); };
  add(std::move(r));
}

bool Router::authorized(const Request& request) const {
  if (token_.empty()) return true;
  const std::string auth = request.header("authorization");
  const std::string prefix = "Bearer ";
  if (auth.size() > prefix.size() && auth.compare(0, prefix.size(), prefix) == 0)
    return equal_constant_time(auth.substr(prefix.size()), token_);
  // Cookie: a=b; hitforge_token=<token>; c=d (the dashboard stores the token percent-encoded; it is hex anyway).
  const std::string cookies = request.header("cookie");
  const std::string key = "hitforge_token=";
  for (std::size_t p = cookies.find(key); p != std::string::npos; p = cookies.find(key, p + 1)) {
    if (p > 0 && cookies[p - 1] != ' ' && cookies[p - 1] != ';') continue;
    const std::size_t start = p + key.size(), end = cookies.find(';', start);
    return equal_constant_time(cookies.substr(start, end == std::string::npos ? end : end - start), token_);
  }
  return false;
}

Response Router::from_exception() const {
  try {
    throw;
  } catch (const HttpError& e) {
    Response r = Response::error(e.status(), e.code(), e.what());
    if (e.retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after));
    return r;
  } catch (const core::UsageError& e) {
    return Response::error(400, "invalid_request", filter_ ? filter_(e.what()) : std::string("invalid request"));
  } catch (const nlohmann::json::exception& e) {
    // A value of the wrong JSON type somewhere in a request (get<int>() on a string).
    core::log_debug(core::str_cat("request rejected: ", e.what()));
    return Response::error(400, "invalid_request", "a value in the request has the wrong JSON type");
  } catch (const std::exception& e) {
    core::log_error(core::str_cat("internal error while handling a request: ", e.what()));
    return Response::error(500, "internal", "internal server error");
  }
}

void Router::dispatch(Request& request, Responder respond) const {
  // Wrap once: metrics and the single-call guarantee for every path out of here.
  auto route_label = std::make_shared<std::string>("unmatched");
  Responder done = [this, respond = std::move(respond), route_label, method = request.method,
                    t0 = request.received](Response r) {
    if (metrics_) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      metrics_->observe_request(method, *route_label, r.status, seconds);
    }
    respond(std::move(r));
  };

  const Route* found = nullptr;
  bool path_known = false;
  std::string allow;
  std::map<std::string, std::string> params;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> p;
    if (!match(r.pattern, request.path, p)) continue;
    path_known = true;
    if (r.method == request.method || (r.method == "GET" && request.method == "HEAD")) {
      found = &r;
      params = std::move(p);
      break;
    }
    allow += (allow.empty() ? "" : ", ") + r.method;
  }
  if (!(found && found->is_public) && !authorized(request)) {
    Response r = Response::error(401, "unauthorized", "missing or wrong bearer token");
    if (!login_page_.empty() && request.method == "GET" && request.header("accept").find("text/html") != std::string::npos)
      r = Response::text(401, login_page_, "text/html; charset=utf-8");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return done(std::move(r));
  }
  if (!found) {
    if (!path_known) return done(Response::error(404, "not_found", "no such route"));
    Response r = Response::error(405, "method_not_allowed", "method not allowed on this route");
    r.headers.emplace_back("Allow", allow);
    return done(std::move(r));
  }
  *route_label = found->pattern;
  request.route = found->pattern;
  request.path_params = std::move(params);
  // If the handler throws after having responded it has broken its contract; guard against a double answer.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Responder once = [done, answered](Response r) {
    if (!answered->exchange(true)) done(std::move(r));
  };
  try {
    found->handler(request, once);
  } catch (...) {
    once(from_exception());
  }
}

}  // namespace hitforge::serve
