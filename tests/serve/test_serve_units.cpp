// Unit tests of the server library's pieces that need no network: JSON depth guard, router (auth as a router
// default, over the real server's route table), multipart parsing, Prometheus text.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "serve/http_types.h"
#include "serve/job_queue.h"
#include "serve/json_limits.h"
#include "serve/metrics.h"
#include "serve/multipart.h"
#include "serve/router.h"
#include "serve/server.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::serve;
using hitforge::testing::TempDir;

namespace {
Response dispatch(const Router& router, Request req) {
  Response out;
  bool answered = false;
  router.dispatch(req, [&](Response r) {
    out = std::move(r);
    answered = true;
  });
  REQUIRE(answered);
  return out;
}

int error_status(std::string_view text, std::size_t depth = 64) {
  try {
    parse_json_body(text, {depth});
  } catch (const HttpError& e) {
    return e.status();
  }
  return 200;
}
}  // namespace

TEST_CASE("json guard: a 100,000-deep document is refused before parsing, shallow ones parse", "[serve]") {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  CHECK(json_depth(deep, 64) == 65);  // stops counting past the limit
  try {
    parse_json_body(deep);
    FAIL("no exception");
  } catch (const HttpError& e) {
    CHECK(e.status() == 400);
    CHECK(e.code() == "json_too_deep");
  }
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  CHECK(error_status(objects) == 400);
  // Brackets inside strings do not count; escaped quotes do not end a string.
  CHECK(json_depth(R"({"s": "[[[[\"[[[["})", 64) == 1);
  CHECK(error_status(R"({"a": [[[1]]]})") == 200);
  CHECK(error_status("[[[1]]]", 2) == 400);
  CHECK(error_status("{\"a\": ") == 400);  // truncated
}

TEST_CASE("router: path parameters, 404, 405 and exceptions become JSON errors", "[serve]") {
  std::map<std::string, std::string> p;
  CHECK(Router::match("/v1/campaigns/{id}/results", "/v1/campaigns/abc/results", p));
  CHECK(p.at("id") == "abc");
  CHECK_FALSE(Router::match("/v1/campaigns/{id}", "/v1/campaigns", p));
  CHECK_FALSE(Router::match("/v1/campaigns", "/v1/campaigns/", p));

  Router r;
  r.add_sync("GET", "/x/{id}", [](Request& q) { return Response::json(200, {{"id", q.path_params.at("id")}}); }, {});
  r.add_sync("POST", "/boom", [](Request&) -> Response { throw std::runtime_error("secret /srv/path detail"); }, {});
  r.add_sync("POST", "/usage", [](Request&) -> Response { throw core::UsageError("bad /srv/models/x input"); }, {});
  r.set_message_filter([](const std::string& s) {
    std::string out = s;
    out.replace(out.find("/srv/models/x"), 13, "x");
    return out;
  });
  Request q;
  q.method = "GET";
  q.path = "/x/42";
  CHECK(nlohmann::json::parse(dispatch(r, q).body)["id"] == "42");
  q.path = "/nope";
  CHECK(dispatch(r, q).status == 404);
  q.method = "DELETE";
  q.path = "/x/1";
  auto a = dispatch(r, q);
  CHECK(a.status == 405);
  q.method = "POST";
  q.path = "/boom";
  auto b = dispatch(r, q);
  CHECK(b.status == 500);
  CHECK(b.body.find("secret") == std::string::npos);  // exception text never reaches the client
  CHECK(nlohmann::json::parse(b.body)["error"]["code"] == "internal");
  q.path = "/usage";
  auto u = dispatch(r, q);
  CHECK(u.status == 400);
  CHECK(u.body.find("/srv") == std::string::npos);
}

TEST_CASE("router: with a token every route of the real server but /healthz and /readyz answers 401", "[serve]") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("models"));
  std::ofstream(dir.file("models/manifest.json")) << R"({"models": []})";
  ServerOptions o;
  o.model_dir = dir.file("models");
  o.store = dir.file("c.db");
  o.token_file = dir.file("token");  // does not exist: generated, mode 0600
  o.threads = 1;
  Server server(o);
  REQUIRE(server.token().size() == 64);
  CHECK((std::filesystem::status(o.token_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  std::set<std::string> public_routes, protected_routes;
  std::size_t checked = 0;
  for (const auto& route : server.router().routes()) {
    Request q;
    q.method = route.method;
    q.path = route.pattern;  // "{id}" stays literal: a well-formed path either way
    auto r = dispatch(server.router(), q);
    if (route.is_public) {
      public_routes.insert(route.pattern);
      CHECK(r.status != 401);
    } else {
      INFO(route.method << " " << route.pattern);
      CHECK(r.status == 401);
      ++checked;
      protected_routes.insert(route.method + " " + route.pattern);
      // a wrong token one hex digit off (the flipped digit must differ: a token ending in '0' once passed here)
      std::string wrong = server.token();
      wrong.back() = wrong.back() == '0' ? '1' : '0';
      q.headers["authorization"] = "Bearer " + wrong;
      CHECK(dispatch(server.router(), q).status == 401);
    }
  }
  CHECK(public_routes == std::set<std::string>{"/healthz", "/readyz"});
  CHECK(checked >= 9);
  for (const char* r : {"POST /v1/generate", "GET /v1/depict", "POST /v1/campaigns", "POST /v1/predict"})
    CHECK(protected_routes.count(r) == 1);
  // Unknown paths are refused for lack of a token before the table is consulted.
  Request q;
  q.method = "GET";
  q.path = "/v1/nowhere";
  CHECK(dispatch(server.router(), q).status == 401);
  q.headers["authorization"] = "Bearer " + server.token();
  CHECK(dispatch(server.router(), q).status == 404);
}

TEST_CASE("server: a token file readable by others is refused; other addresses need a token", "[serve]") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("models"));
  std::ofstream(dir.file("models/manifest.json")) << R"({"models": []})";
  std::ofstream(dir.file("token")) << "0123456789abcdef0123\n";
  std::filesystem::permissions(dir.file("token"), std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                                      std::filesystem::perms::others_read);
  ServerOptions o;
  o.model_dir = dir.file("models");
  o.store = dir.file("c.db");
  o.token_file = dir.file("token");
  o.threads = 1;
  CHECK_THROWS_AS(Server(o), core::UsageError);
  o.token_file.clear();
  o.host = "0.0.0.0";
  Server s(o);
  CHECK(s.token().size() == 64);
  CHECK(s.generated_token_file() == dir.file("c.db") + ".token");
}

TEST_CASE("multipart: parts, file names, and broken bodies", "[serve]") {
  const std::string ct = "multipart/form-data; boundary=----XyZ";
  REQUIRE(multipart_boundary(ct) == "----XyZ");
  CHECK(multipart_boundary("application/json").empty());
  const std::string body =
      "------XyZ\r\nContent-Disposition: form-data; name=\"recipe\"\r\n\r\n{\"a\": 1}\r\n"
      "------XyZ\r\nContent-Disposition: form-data; name=\"library\"; filename=\"lib.smi\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\nCCO a\r\nc1ccccc1 b\r\n\r\n------XyZ--\r\n";
  auto parts = parse_multipart(body, "----XyZ");
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].name == "recipe");
  CHECK(parts[0].data == "{\"a\": 1}");
  CHECK(parts[1].filename == "lib.smi");
  CHECK(parts[1].data == "CCO a\r\nc1ccccc1 b\r\n");
  CHECK_THROWS_AS(parse_multipart(body.substr(0, body.size() - 20), "----XyZ"), HttpError);
  CHECK_THROWS_AS(parse_multipart("no boundary here", "----XyZ"), HttpError);
}

TEST_CASE("metrics: Prometheus text with counters, histogram buckets and gauges", "[serve]") {
  Metrics m;
  m.observe_request("GET", "/v1/campaigns/{id}", 200, 0.003);
  m.observe_request("GET", "/v1/campaigns/{id}", 404, 0.0004);
  m.add_molecules("campaign", "invalid", 3);
  m.add_gauge("hitforge_queue_depth", "depth", [] { return std::vector<std::pair<std::string, double>>{{"", 7}}; });
  const std::string t = m.render();
  CHECK(t.find("hitforge_http_requests_total{route=\"/v1/campaigns/{id}\",method=\"GET\",status=\"404\"} 1") !=
        std::string::npos);
  CHECK(t.find("hitforge_http_request_duration_seconds_bucket{route=\"/v1/campaigns/{id}\",le=\"0.0005\"} 1") !=
        std::string::npos);
  CHECK(t.find("hitforge_http_request_duration_seconds_bucket{route=\"/v1/campaigns/{id}\",le=\"0.005\"} 2") !=
        std::string::npos);
  CHECK(t.find("hitforge_http_request_duration_seconds_count{route=\"/v1/campaigns/{id}\"} 2") != std::string::npos);
  CHECK(t.find("hitforge_molecules_scored_total{origin=\"campaign\",status=\"invalid\"} 3") != std::string::npos);
  CHECK(t.find("hitforge_queue_depth 7") != std::string::npos);
}

TEST_CASE("job queue: tasks run on a worker thread, share the bounded queue, and report failures", "[serve]") {
  using namespace std::chrono_literals;
  JobQueueOptions o;
  o.workers = 1;
  o.queue_capacity = 1;
  JobQueue queue(o, nullptr);
  auto failure_code = [](std::exception_ptr e) -> std::string {
    try {
      std::rethrow_exception(e);
    } catch (const HttpError& h) {
      return h.code();
    } catch (...) {
      return "other";
    }
  };

  // A task that holds the only worker until released.
  std::promise<std::thread::id> started;
  std::promise<void> release;
  auto gate = release.get_future().share();
  auto blocker = std::make_unique<ScoreJob>();
  blocker->task = [&started, gate] {
    started.set_value(std::this_thread::get_id());
    gate.wait();
  };
  blocker->failed = [](std::exception_ptr) { FAIL("the blocking task failed"); };
  REQUIRE(queue.submit(blocker));
  auto worker = started.get_future();
  REQUIRE(worker.wait_for(10s) == std::future_status::ready);
  CHECK(worker.get() != std::this_thread::get_id());

  // One task may wait; the next is refused and left with the caller (the route answers 503 + Retry-After).
  std::promise<std::string> thrown;
  auto waiting = std::make_unique<ScoreJob>();
  waiting->task = [] { throw HttpError(400, "bad_option", "refused by the task"); };
  waiting->failed = [&](std::exception_ptr e) { thrown.set_value(failure_code(e)); };
  REQUIRE(queue.submit(waiting));
  CHECK(queue.queue_depth() == 1);
  bool refused_ran = false;
  auto refused = std::make_unique<ScoreJob>();
  refused->task = [&refused_ran] { refused_ran = true; };
  CHECK_FALSE(queue.submit(refused));
  REQUIRE(refused != nullptr);

  release.set_value();
  auto code = thrown.get_future();
  REQUIRE(code.wait_for(10s) == std::future_status::ready);
  CHECK(code.get() == "bad_option");

  // A task whose deadline passed before a worker took it is not run.
  bool late_ran = false;
  std::promise<std::string> late_code;
  auto late = std::make_unique<ScoreJob>();
  late->deadline = ScoreJob::Clock::now() - 1ms;
  late->task = [&late_ran] { late_ran = true; };
  late->failed = [&](std::exception_ptr e) { late_code.set_value(failure_code(e)); };
  REQUIRE(queue.submit(late));
  auto lc = late_code.get_future();
  REQUIRE(lc.wait_for(10s) == std::future_status::ready);
  CHECK(lc.get() == "deadline_exceeded");
  CHECK_FALSE(late_ran);
  queue.stop();
  CHECK_FALSE(refused_ran);
}
