#pragma once
// Internal to serve/: what route handlers share. Each api_*.cpp adds its routes from this context.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/server.h"

namespace hitforge::screen {
class ScoringFunction;
}

namespace hitforge::serve {

class CampaignStore;
class CampaignRunner;
class JobQueue;
class Metrics;
class ModelRegistry;
class RecipeCompiler;
class Router;

struct ServerContext {
  const ServerOptions& options;
  ModelRegistry& models;
  RecipeCompiler& compiler;
  CampaignStore& store;
  Metrics& metrics;
  Router& router;
  JobQueue* queue = nullptr;  ///< set at start()
  std::atomic<bool> ready{false}, draining{false};
  std::string upload_dir;  ///< scratch files for parsing uploads (next to the store)

  /// HttpError 503 "shutting_down" while draining (for routes that create work).
  void refuse_if_draining() const;
};

void add_system_routes(ServerContext& ctx);     // healthz, readyz, metrics, openapi.json, v1/models
void add_inference_routes(ServerContext& ctx);  // v1/predict, v1/score
void add_generate_routes(ServerContext& ctx);   // v1/generate (generative priors)
void add_campaign_routes(ServerContext& ctx);   // v1/campaigns...
void add_dashboard_routes(ServerContext& ctx);  // /, assets, depictions

/// Runs `work` on the worker pool, never on the I/O thread, and answers with its Response (exceptions become JSON
/// errors): for handlers whose work is too heavy for an I/O thread (parsing an upload, drawing a structure, sampling
/// a prior). Same bounded queue as scoring jobs: throws HttpError 503 "queue_full" with Retry-After when it is full;
/// answers 503 "deadline_exceeded" when no worker started the work before `deadline`.
void run_on_worker(ServerContext& ctx, Responder respond, std::function<Response()> work,
                   std::chrono::steady_clock::time_point deadline);
/// A task deadline counted from now (not from the request's arrival: a large upload may take long to arrive).
std::chrono::steady_clock::time_point task_deadline(const ServerContext& ctx);

/// OpenAPI 3 document built from the router table (every route appears, with its operation object).
nlohmann::json openapi_document(const Router& router);

/// Parses a non-negative integer query/body parameter within [lo, hi]; HttpError 400 naming it otherwise.
std::int64_t int_param(const std::string& text, const std::string& name, std::int64_t lo, std::int64_t hi);

}  // namespace hitforge::serve

namespace hitforge::serve {
/// An OpenAPI operation object: summary, the status codes it answers (errors get the Error schema), query
/// parameters as {name: description}, and an optional request body schema (JSON) / media types.
nlohmann::json operation(const std::string& summary, const std::vector<int>& codes,
                         const std::vector<std::pair<std::string, std::string>>& query = {},
                         const nlohmann::json& request_body = nullptr);
}  // namespace hitforge::serve
