// GET /healthz, /readyz, /metrics, /openapi.json, /v1/models, and the OpenAPI document built from the router.
#include "core/error.h"
#include "serve/campaign_store.h"
#include "serve/job_queue.h"
#include "serve/metrics.h"
#include "serve/model_registry.h"
#include "serve/router.h"
#include "serve/server_context.h"

namespace hitforge::serve {
using core::str_cat;

void ServerContext::refuse_if_draining() const {
  if (draining) {
    HttpError e(503, "shutting_down", "the server is shutting down; retry against another instance or later");
    e.retry_after = 5;
    throw e;
  }
}

std::int64_t int_param(const std::string& text, const std::string& name, std::int64_t lo, std::int64_t hi) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || v < lo || v > hi)
    throw HttpError(400, "invalid_parameter", str_cat("'", name, "' must be an integer in [", lo, ", ", hi, "]"));
  return v;
}

nlohmann::json operation(const std::string& summary, const std::vector<int>& codes,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         const nlohmann::json& request_body) {
  nlohmann::json op = {{"summary", summary}, {"responses", nlohmann::json::object()}};
  for (int c : codes) {
    nlohmann::json r = {{"description", status_reason(c)}};
    if (c >= 400)
      r["content"] = {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}};
    op["responses"][std::to_string(c)] = r;
  }
  if (!query.empty()) {
    op["parameters"] = nlohmann::json::array();
    for (const auto& [name, description] : query)
      op["parameters"].push_back(
          {{"name", name}, {"in", "query"}, {"required", false}, {"description", description},
           {"schema", {{"type", "string"}}}});
  }
  if (!request_body.is_null()) op["requestBody"] = {{"required", true}, {"content", request_body}};
  return op;
}

nlohmann::json openapi_document(const Router& router) {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& r : router.routes()) {
    nlohmann::json op = r.openapi.is_object() ? r.openapi : nlohmann::json::object();
    op["operationId"] = str_cat(r.method, " ", r.pattern);
    op["security"] = r.is_public ? nlohmann::json::array() : nlohmann::json::array({{{"bearer", nlohmann::json::array()}}});
    if (!r.is_public) op["responses"]["401"] = {
        {"description", "missing or wrong bearer token (only when the server has a token)"},
        {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    // Path parameters come from the pattern itself, so the document cannot disagree with the router.
    for (std::size_t p = r.pattern.find('{'); p != std::string::npos; p = r.pattern.find('{', p + 1)) {
      const std::string name = r.pattern.substr(p + 1, r.pattern.find('}', p) - p - 1);
      op["parameters"].push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    std::string method = r.method;
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    paths[r.pattern][method] = op;
  }
  return {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "hitforge screening server"},
        {"version", HITFORGE_VERSION},
        {"description", "Durable screening campaigns, synchronous scoring and property prediction. Errors are "
                        "{\"error\": {\"code\", \"message\"}}."}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", {"code", "message"}},
                {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}}};
}

void add_system_routes(ServerContext& ctx) {
  Router& router = ctx.router;
  router.add_sync(
      "GET", "/healthz", [](Request&) { return Response::json(200, {{"status", "ok"}}); },
      operation("Liveness: the process answers HTTP", {200}), true);
  router.add_sync(
      "GET", "/readyz",
      [&ctx](Request&) {
        if (ctx.draining) return Response::error(503, "shutting_down", "the server is shutting down");
        if (!ctx.ready) return Response::error(503, "starting", "the server is starting");
        return Response::json(200, {{"status", "ready"}});
      },
      operation("Readiness: 200 while accepting work, 503 while starting or shutting down", {200, 503}), true);
  router.add_sync(
      "GET", "/metrics",
      [&ctx](Request&) { return Response::text(200, ctx.metrics.render(), "text/plain; version=0.0.4; charset=utf-8"); },
      operation("Prometheus metrics (text format 0.0.4)", {200}));
  router.add_sync(
      "GET", "/openapi.json", [&ctx](Request&) { return Response::json(200, openapi_document(ctx.router)); },
      operation("This API as an OpenAPI 3 document", {200}));
  router.add_sync(
      "GET", "/v1/models",
      [&ctx](Request&) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& m : ctx.models.models()) list.push_back(m.to_json());
        return Response::json(200, {{"models", list}});
      },
      operation("Models loaded at start-up from --model-dir, each pinned by sha256", {200}));

  ctx.metrics.add_gauge("hitforge_queue_depth", "Synchronous scoring jobs waiting for a worker.", [&ctx] {
    return std::vector<std::pair<std::string, double>>{
        {"", ctx.queue ? static_cast<double>(ctx.queue->queue_depth()) : 0.0}};
  });
  ctx.metrics.add_gauge("hitforge_campaigns", "Campaigns in the store, by state.", [&ctx] {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [state, n] : ctx.store.count_by_state())
      out.emplace_back("state=\"" + state + "\"", static_cast<double>(n));
    return out;
  });
  ctx.metrics.add_gauge("hitforge_ready", "1 while the server accepts work.", [&ctx] {
    return std::vector<std::pair<std::string, double>>{{"", ctx.ready && !ctx.draining ? 1.0 : 0.0}};
  });
}

}  // namespace hitforge::serve
