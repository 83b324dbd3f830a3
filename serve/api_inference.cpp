// POST /v1/predict (a pinned model's predictions) and POST /v1/score (a recipe's scores): at most
// ServerOptions::max_sync_molecules molecules, a deadline, scored on the worker pool with dynamic batching.
#include <cmath>

#include "chem/mol_input.h"
#include "core/error.h"
#include "screen/scoring_function.h"
#include "serve/campaign_runner.h"
#include "serve/job_queue.h"
#include "serve/json_limits.h"
#include "serve/metrics.h"
#include "serve/model_registry.h"
#include "serve/router.h"
#include "serve/server_context.h"

namespace hitforge::serve {
using core::str_cat;

namespace {

nlohmann::json json_number(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

std::vector<std::string> smiles_list(const nlohmann::json& body, const ServerContext& ctx) {
  if (!body.contains("smiles") || !body["smiles"].is_array())
    throw HttpError(400, "invalid_request", "\"smiles\" must be an array of SMILES strings");
  const auto& arr = body["smiles"];
  if (arr.empty()) throw HttpError(400, "invalid_request", "\"smiles\" is empty");
  if (arr.size() > ctx.options.max_sync_molecules)
    throw HttpError(413, "too_many_molecules",
                    str_cat("at most ", ctx.options.max_sync_molecules,
                            " molecules per request; submit a campaign (POST /v1/campaigns) for more"));
  std::vector<std::string> out;
  for (const auto& s : arr) {
    if (!s.is_string()) throw HttpError(400, "invalid_request", "every entry of \"smiles\" must be a string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

ScoreJob::Clock::time_point deadline_of(const nlohmann::json& body, const Request& req, const ServerContext& ctx) {
  std::int64_t ms = ctx.options.default_deadline_ms;
  if (body.contains("deadline_ms")) {
    if (!body["deadline_ms"].is_number_integer())
      throw HttpError(400, "invalid_request", "\"deadline_ms\" must be an integer");
    ms = int_param(std::to_string(body["deadline_ms"].get<std::int64_t>()), "deadline_ms", 1,
                   ctx.options.max_deadline_ms);
  }
  return req.received + std::chrono::milliseconds(ms);
}

// Common path: queue the job; the worker answers through `respond`.
void submit(ServerContext& ctx, std::unique_ptr<ScoreJob> job, Responder respond) {
  job->failed = [&ctx, respond](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (...) {
      respond(ctx.router.from_exception());
    }
  };
  if (!ctx.queue || !ctx.queue->submit(job)) {
    HttpError e(503, "queue_full", "the scoring queue is full; retry shortly");
    e.retry_after = 1;
    throw e;
  }
}

void count_statuses(Metrics& metrics, const screen::ScoredBatch& b, std::size_t offset, std::size_t n) {
  std::int64_t c[3] = {0, 0, 0};
  for (std::size_t i = offset; i < offset + n; ++i) ++c[std::min<int>(2, b.chunk.status[i])];
  metrics.add_molecules("sync", "ok", c[0]);
  metrics.add_molecules("sync", "invalid", c[1]);
  metrics.add_molecules("sync", "filtered", c[2]);
}

nlohmann::json record_head(const screen::ScoredBatch& b, std::size_t row, std::size_t index,
                           const std::string& input) {
  return {{"index", index},
          {"input", input},
          {"smiles", b.chunk.smiles[row]},
          {"status", chem::to_string(static_cast<chem::RecordStatus>(b.chunk.status[row]))},
          {"reason", b.chunk.reasons[row]}};
}

}  // namespace

void run_on_worker(ServerContext& ctx, Responder respond, std::function<Response()> work,
                   std::chrono::steady_clock::time_point deadline) {
  auto job = std::make_unique<ScoreJob>();
  job->deadline = deadline;
  job->task = [respond, work = std::move(work)] { respond(work()); };
  submit(ctx, std::move(job), std::move(respond));
}

std::chrono::steady_clock::time_point task_deadline(const ServerContext& ctx) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(ctx.options.default_deadline_ms);
}

void add_inference_routes(ServerContext& ctx) {
  // One prediction recipe per model, compiled now: predictions need no recipe compilation per request.
  auto predictors = std::make_shared<std::map<std::string, RecipeCompiler::Compiled>>();
  for (const auto& m : ctx.models.models()) {
    if (m.kind != "predictor") continue;  // generators answer POST /v1/generate
    nlohmann::json comps = nlohmann::json::array();
    for (const auto& t : m.targets) comps.push_back({{"model", m.name}, {"target", t}, {"label", t}});
    (*predictors)[m.name] = ctx.compiler.compile({{"name", "predict " + m.name}, {"components", comps}});
  }

  Route predict;
  predict.method = "POST";
  predict.pattern = "/v1/predict";
  predict.openapi = operation(
      "Predictions of a pinned model for up to 100 SMILES: {\"model\", \"smiles\": [...], \"deadline_ms\"}; "
      "per molecule status ok|invalid with a reason",
      {200, 400, 413, 503}, {},
      {{"application/json",
        {{"schema",
          {{"type", "object"},
           {"required", {"model", "smiles"}},
           {"properties",
            {{"model", {{"type", "string"}}},
             {"smiles", {{"type", "array"}, {"items", {{"type", "string"}}}}},
             {"deadline_ms", {{"type", "integer"}}}}}}}}}});
  predict.handler = [&ctx, predictors](Request& req, Responder respond) {
    ctx.refuse_if_draining();
    const nlohmann::json body = parse_json_body(req.body, {ctx.options.max_json_depth});
    if (!body.is_object() || !body.contains("model") || !body["model"].is_string())
      throw HttpError(400, "invalid_request", "\"model\" must name a model from GET /v1/models");
    const std::string model = body["model"].get<std::string>();
    auto it = predictors->find(model);
    if (it == predictors->end())
      throw HttpError(404, "unknown_model",
                      str_cat(ctx.models.find(model) ? str_cat("model '", model, "' is a generator (POST /v1/generate)")
                                                     : str_cat("no model named '", model.substr(0, 64), "'"),
                              "; property models: ", ctx.models.names("predictor")));
    auto job = std::make_unique<ScoreJob>();
    job->batch_key = "predict:" + model;
    job->smiles = smiles_list(body, ctx);
    job->deadline = deadline_of(body, req, ctx);
    const RecipeCompiler::Compiled compiled = it->second;
    job->scorer = [compiled] { return compiled.scorer; };
    const ModelInfo* info = ctx.models.find(model);
    job->done = [&ctx, respond, model, info, inputs = job->smiles](const screen::ScoredBatch& b, std::size_t offset,
                                                                   const screen::ScoringFunction& sf) {
      count_statuses(ctx.metrics, b, offset, inputs.size());
      const auto& cols = sf.raw_columns();
      nlohmann::json results = nlohmann::json::array();
      for (std::size_t k = 0; k < inputs.size(); ++k) {
        const std::size_t row = offset + k;
        nlohmann::json r = record_head(b, row, k, inputs[k]);
        nlohmann::json p = nlohmann::json::object();
        if (b.chunk.status[row] == static_cast<std::uint8_t>(chem::RecordStatus::ok))
          for (std::size_t c = 0; c < cols.size(); ++c) p[cols[c]] = json_number(b.raw[row * cols.size() + c]);
        r["predictions"] = p;
        results.push_back(std::move(r));
      }
      respond(Response::json(200, {{"model", model}, {"sha256", info->sha256}, {"targets", info->targets},
                                   {"results", results}}));
    };
    submit(ctx, std::move(job), respond);
  };
  ctx.router.add(std::move(predict));

  Route score;
  score.method = "POST";
  score.pattern = "/v1/score";
  score.openapi = operation(
      "Scores of up to 100 SMILES under a recipe (docs/screening.md; models by name): {\"recipe\", \"smiles\", "
      "\"deadline_ms\"}; per molecule status ok|invalid|filtered, score, components, values",
      {200, 400, 413, 503}, {},
      {{"application/json",
        {{"schema",
          {{"type", "object"},
           {"required", {"recipe", "smiles"}},
           {"properties",
            {{"recipe", {{"type", "object"}}},
             {"smiles", {{"type", "array"}, {"items", {{"type", "string"}}}}},
             {"deadline_ms", {{"type", "integer"}}}}}}}}}});
  score.handler = [&ctx](Request& req, Responder respond) {
    ctx.refuse_if_draining();
    const nlohmann::json body = parse_json_body(req.body, {ctx.options.max_json_depth});
    if (!body.is_object() || !body.contains("recipe"))
      throw HttpError(400, "invalid_request", "\"recipe\" is required");
    auto job = std::make_unique<ScoreJob>();
    const nlohmann::json recipe = body["recipe"];
    // Structure and model names are checked here, cheaply; compiling (which loads models) happens on the worker.
    nlohmann::json pins;
    ctx.compiler.resolve(recipe, pins);
    job->batch_key = "score:" + recipe.dump();
    job->smiles = smiles_list(body, ctx);
    job->deadline = deadline_of(body, req, ctx);
    job->scorer = [&ctx, recipe] { return ctx.compiler.compile(recipe).scorer; };
    job->done = [&ctx, respond, inputs = job->smiles](const screen::ScoredBatch& b, std::size_t offset,
                                                      const screen::ScoringFunction& sf) {
      count_statuses(ctx.metrics, b, offset, inputs.size());
      nlohmann::json results = nlohmann::json::array();
      for (std::size_t k = 0; k < inputs.size(); ++k) {
        const std::size_t row = offset + k;
        nlohmann::json r = record_head(b, row, k, inputs[k]);
        r["score"] = json_number(b.score[row]);
        r.update(record_detail(sf, b, row));
        results.push_back(std::move(r));
      }
      respond(Response::json(200, {{"results", results}}));
    };
    submit(ctx, std::move(job), respond);
  };
  ctx.router.add(std::move(score));
}

}  // namespace hitforge::serve
