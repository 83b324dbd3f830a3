// POST /v1/generate: SMILES sampled from a pinned generative prior (a SMILES language model, kind "generator" in
// GET /v1/models). Priors are loaded once at start-up, in eval mode, and only read afterwards: every request samples
// with its own incremental decoder state and its own random generator, so several workers may sample one prior at
// once. The only TU of serve/ that includes LibTorch headers.
#include <ATen/CPUGeneratorImpl.h>
#include <GraphMol/RWMol.h>

#include <algorithm>
#include <map>
#include <random>
#include <unordered_set>

#include <torch/torch.h>

#include "chem/mol_input.h"
#include "core/error.h"
#include "core/torch_runtime.h"
#include "serve/json_limits.h"
#include "serve/model_registry.h"
#include "serve/router.h"
#include "serve/server_context.h"
#include "train/lm_checkpoint.h"

namespace hitforge::serve {
using core::str_cat;

namespace {

constexpr std::int64_t kMaxSamples = 1000;  // SMILES per request
constexpr std::int64_t kMaxLength = 500;    // tokens per SMILES
constexpr double kMaxTemperature = 10.0;
constexpr std::int64_t kBatch = 128;       // sequences sampled together
constexpr std::int64_t kUniqueBudget = 4;  // with "unique": at most this many draws per requested SMILES
constexpr std::uint64_t kMaxSeed = (std::uint64_t{1} << 53) - 1;  // exact in every JSON implementation

struct Prior {
  const ModelInfo* info = nullptr;
  train::LoadedLanguageModel loaded;  // eval mode from load_language_model() on; never switched
};

struct GenerateRequest {
  const Prior* prior = nullptr;
  std::int64_t n = 10;
  models::SampleOptions sample;
  std::uint64_t seed = 0;
  bool unique = false;
};

std::int64_t int_field(const nlohmann::json& body, const char* key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) {
  if (!body.contains(key)) return fallback;
  const auto& v = body[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
    throw HttpError(400, "invalid_request", str_cat("\"", key, "\" must be an integer in [", lo, ", ", hi, "]"));
  return v.get<std::int64_t>();
}

double number_field(const nlohmann::json& body, const char* key, double fallback) {
  if (!body.contains(key)) return fallback;
  if (!body[key].is_number()) throw HttpError(400, "invalid_request", str_cat("\"", key, "\" must be a number"));
  return body[key].get<double>();
}

GenerateRequest parse_request(const nlohmann::json& body, const std::map<std::string, Prior>& priors,
                              const ModelRegistry& registry) {
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string())
    throw HttpError(
        400, "invalid_request",
        str_cat("\"model\" must name a generator from GET /v1/models (available: ", registry.names("generator"), ")"));
  const std::string model = body["model"].get<std::string>();
  auto it = priors.find(model);
  if (it == priors.end()) {
    const ModelInfo* m = registry.find(model);
    throw HttpError(400, "unknown_model",
                    str_cat(m ? str_cat("model '", model, "' is a property model (POST /v1/predict), not a generator")
                              : str_cat("no generator named '", model.substr(0, 64), "'"),
                            " (generators: ", registry.names("generator"), ")"));
  }
  GenerateRequest g;
  g.prior = &it->second;
  g.n = int_field(body, "n", 10, 1, kMaxSamples);
  g.sample.temperature = number_field(body, "temperature", 1.0);
  if (!(g.sample.temperature > 0.0 && g.sample.temperature <= kMaxTemperature))
    throw HttpError(400, "invalid_request", str_cat("\"temperature\" must be > 0 and <= ", kMaxTemperature));
  g.sample.top_k = int_field(body, "top_k", 0, 0, 1000000);
  g.sample.top_p = number_field(body, "top_p", 1.0);
  if (!(g.sample.top_p > 0.0 && g.sample.top_p <= 1.0))
    throw HttpError(400, "invalid_request", "\"top_p\" must be > 0 and <= 1 (1 = off)");
  g.sample.max_length = int_field(body, "max_length", 100, 1, kMaxLength);
  if (body.contains("unique")) {
    if (!body["unique"].is_boolean()) throw HttpError(400, "invalid_request", "\"unique\" must be true or false");
    g.unique = body["unique"].get<bool>();
  }
  if (body.contains("seed")) {
    g.seed = static_cast<std::uint64_t>(int_field(body, "seed", 0, 0, static_cast<std::int64_t>(kMaxSeed)));
  } else {
    std::random_device rd;
    g.seed = ((static_cast<std::uint64_t>(rd()) << 32) ^ rd()) & kMaxSeed;
  }
  try {
    models::validate(g.sample);
  } catch (const core::UsageError& e) {
    throw HttpError(400, "invalid_request", e.what());
  }
  return g;
}

// Runs on a worker. Sampling reads the shared prior only (its own decoder state and generator per call).
Response generate(const GenerateRequest& g, std::chrono::steady_clock::time_point deadline) {
  auto& model = *g.prior->loaded.model;
  const auto& vocab = g.prior->loaded.vocabulary;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(g.seed);
  const std::int64_t budget = g.unique ? kUniqueBudget * g.n + kBatch : g.n;
  std::unordered_set<std::string> seen;
  nlohmann::json results = nlohmann::json::array();
  std::int64_t written = 0, sampled = 0, valid = 0, duplicates = 0;
  while (written < g.n && sampled < budget) {
    if (std::chrono::steady_clock::now() > deadline)
      throw HttpError(503, "deadline_exceeded",
                      str_cat("the request's deadline passed after ", written, " of ", g.n,
                              " SMILES; ask for fewer or give a longer deadline_ms"));
    models::SampleOptions so = g.sample;
    so.n = g.unique ? kBatch : std::min(kBatch, g.n - written);
    auto decoder = model.make_decoder();
    const models::SampleResult r = models::sample_sequences(*decoder, so, model.specials(), gen);
    sampled += so.n;
    const double* ll = r.log_likelihood.data_ptr<double>();
    for (std::int64_t i = 0; i < so.n && written < g.n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      std::string smiles = vocab.decode_string(r.sequences[k]);
      nlohmann::json canonical;
      bool ok = false;
      if (r.complete[k]) {
        chem::ParsedMol parsed = chem::parse_smiles(smiles);
        if (parsed.ok()) {
          ok = true;
          canonical = chem::canonical_smiles(*parsed.mol);
        }
      }
      if (g.unique && !seen.insert(ok ? canonical.get<std::string>() : smiles).second) {
        ++duplicates;
        continue;
      }
      valid += ok ? 1 : 0;
      results.push_back({{"smiles", std::move(smiles)},
                         {"valid", ok},
                         {"canonical_smiles", std::move(canonical)},
                         {"log_likelihood", ll[i]},
                         {"complete", static_cast<bool>(r.complete[k])}});
      ++written;
    }
  }
  const ModelInfo& info = *g.prior->info;
  return Response::json(200, {{"model", info.name},
                              {"sha256", info.sha256},
                              {"seed", g.seed},
                              {"n", written},
                              {"sampled", sampled},
                              {"duplicates", duplicates},
                              {"valid_fraction", written > 0 ? static_cast<double>(valid) / written : 0.0},
                              {"results", std::move(results)}});
}

}  // namespace

void add_generate_routes(ServerContext& ctx) {
  // Every generator is loaded now, once: a prior that does not load stops the server from starting, like a pin
  // mismatch, and no request ever loads a model.
  auto priors = std::make_shared<std::map<std::string, Prior>>();
  const torch::Device device = core::parse_device(ctx.options.device);
  for (const auto& m : ctx.models.models()) {
    if (m.kind != "generator") continue;
    Prior p;
    p.info = &m;
    try {
      p.loaded = train::load_language_model(m.dir, device);
      train::require_smiles_prior(p.loaded, m.dir);
    } catch (const core::UsageError& e) {
      throw core::UsageError(str_cat("generator '", m.name, "': ", e.what()));
    }
    // Inference mode is fixed here and never switched per request (train()/eval() write every submodule's flag).
    p.loaded.model->eval();
    (*priors)[m.name] = std::move(p);
  }

  Route route;
  route.method = "POST";
  route.pattern = "/v1/generate";
  route.openapi = operation(
      "SMILES sampled from a pinned generative prior (kind \"generator\" in GET /v1/models), on the worker pool: "
      "{\"model\", \"n\" (1-1000), \"temperature\" (0-10], \"top_k\" (0 = all), \"top_p\" (0-1], \"max_length\" "
      "(1-500 tokens), \"seed\", \"unique\", \"deadline_ms\"} → per SMILES valid, canonical_smiles, "
      "log_likelihood (nats, the model's own), complete; the same seed and options give the same SMILES",
      {200, 400, 503}, {},
      {{"application/json",
        {{"schema",
          {{"type", "object"},
           {"required", {"model"}},
           {"properties",
            {{"model", {{"type", "string"}}},
             {"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxSamples}, {"default", 10}}},
             {"temperature", {{"type", "number"}, {"exclusiveMinimum", true}, {"minimum", 0}, {"default", 1.0}}},
             {"top_k", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}},
             {"top_p", {{"type", "number"}, {"maximum", 1}, {"default", 1.0}}},
             {"max_length", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxLength}, {"default", 100}}},
             {"seed", {{"type", "integer"}, {"minimum", 0}}},
             {"unique", {{"type", "boolean"}, {"default", false}}},
             {"deadline_ms", {{"type", "integer"}}}}}}}}}});
  route.handler = [&ctx, priors](Request& req, Responder respond) {
    ctx.refuse_if_draining();
    const nlohmann::json body = parse_json_body(req.body, {ctx.options.max_json_depth});
    GenerateRequest g = parse_request(body, *priors, ctx.models);
    const auto deadline =
        req.received + std::chrono::milliseconds(int_field(body, "deadline_ms", ctx.options.default_deadline_ms, 1,
                                                           ctx.options.max_deadline_ms));
    run_on_worker(
        ctx, respond, [g, deadline] { return generate(g, deadline); }, deadline);
  };
  ctx.router.add(std::move(route));
}

}  // namespace hitforge::serve
