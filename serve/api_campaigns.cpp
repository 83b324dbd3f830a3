// Campaign routes: submit (JSON or multipart upload), list, status, results (JSON/CSV), cancel, delete.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "chem/mol_input.h"
#include "chem/molecule_reader.h"
#include "core/error.h"
#include "core/text.h"
#include "screen/scoring_function.h"
#include "serve/campaign_store.h"
#include "serve/job_queue.h"
#include "serve/json_limits.h"
#include "serve/model_registry.h"
#include "serve/multipart.h"
#include "serve/router.h"
#include "serve/server_context.h"

namespace hitforge::serve {
using core::str_cat;
namespace fs = std::filesystem;

namespace {

std::string new_campaign_id() {
  std::random_device rd;  // /dev/urandom: ids are not guessable from one another
  static const char* hex = "0123456789abcdef";
  std::string id = "c";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t v = rd();
    for (int k = 0; k < 8; ++k) id += hex[(v >> (4 * k)) & 15];
  }
  return id;
}

nlohmann::json json_number(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

// A library upload parsed through the same readers as `hitforge screen` (a scratch file, removed afterwards).
std::vector<chem::InputRecord> read_library_text(const ServerContext& ctx, std::string_view content,
                                                 const std::string& format, const std::string& smiles_col,
                                                 const std::string& id_col) {
  if (format != "smi" && format != "csv" && format != "tsv" && format != "sdf")
    throw HttpError(400, "invalid_library", "library format must be smi, csv, tsv or sdf");
  std::string tmpl = (fs::path(ctx.upload_dir) / ".hitforge-upload-XXXXXX").string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot create an upload scratch file");
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove{tmpl};
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write an upload scratch file");
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::vector<chem::InputRecord> out;
  try {
    chem::ReaderOptions ro;
    ro.format = format;
    ro.smiles_col = smiles_col;
    ro.id_col = id_col;
    auto reader = chem::MoleculeReader::open(tmpl, ro);
    chem::InputRecord rec;
    while (reader->next(rec)) {
      if (static_cast<std::int64_t>(out.size()) >= ctx.options.max_campaign_records)
        throw HttpError(413, "library_too_large",
                        str_cat("a campaign holds at most ", ctx.options.max_campaign_records, " records"));
      out.push_back(rec);
    }
  } catch (const core::UsageError& e) {
    // Reader messages name the scratch file; the client knows it as "the library".
    std::string msg = e.what();
    for (std::size_t p = msg.find(tmpl); p != std::string::npos; p = msg.find(tmpl)) msg.replace(p, tmpl.size(), "library");
    throw HttpError(400, "invalid_library", msg);
  }
  return out;
}

std::string format_from_filename(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "smi" || ext == "smiles" || ext == "txt") return "smi";
  if (ext == "csv" || ext == "tsv" || ext == "sdf") return ext;
  if (ext == "mol" || ext == "sd") return "sdf";
  return {};
}

struct Submission {
  std::string name;
  nlohmann::json recipe;
  std::int64_t top_k = 0;
  std::vector<chem::InputRecord> library;
};

std::int64_t top_k_of(const nlohmann::json& v) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1000000000)
    throw HttpError(400, "invalid_request", "\"top_k\" must be a non-negative integer (0 = every ok record)");
  return v.get<std::int64_t>();
}

// JSON body: {"name", "recipe", "top_k", and one of "smiles": [...], "molecules": [{"smiles", "id"}],
// "library": {"format", "content", "smiles_col", "id_col"}}.
Submission from_json(const ServerContext& ctx, const std::string& body) {
  const nlohmann::json j = parse_json_body(body, {ctx.options.max_json_depth});
  if (!j.is_object()) throw HttpError(400, "invalid_request", "the body must be a JSON object");
  Submission s;
  s.name = j.value("name", std::string());
  if (!j.contains("recipe")) throw HttpError(400, "invalid_request", "\"recipe\" is required");
  s.recipe = j["recipe"];
  if (j.contains("top_k")) s.top_k = top_k_of(j["top_k"]);
  const int sources = int(j.contains("smiles")) + int(j.contains("molecules")) + int(j.contains("library"));
  if (sources != 1)
    throw HttpError(400, "invalid_request", "give exactly one of \"smiles\", \"molecules\" and \"library\"");
  auto check_size = [&ctx](std::size_t n) {
    if (static_cast<std::int64_t>(n) > ctx.options.max_campaign_records)
      throw HttpError(413, "library_too_large",
                      str_cat("a campaign holds at most ", ctx.options.max_campaign_records, " records"));
  };
  if (j.contains("smiles")) {
    if (!j["smiles"].is_array()) throw HttpError(400, "invalid_request", "\"smiles\" must be an array of strings");
    check_size(j["smiles"].size());
    for (const auto& x : j["smiles"]) {
      if (!x.is_string()) throw HttpError(400, "invalid_request", "every entry of \"smiles\" must be a string");
      chem::InputRecord r;
      r.index = static_cast<std::int64_t>(s.library.size());
      r.line = r.index + 1;
      r.text = x.get<std::string>();
      s.library.push_back(std::move(r));
    }
  } else if (j.contains("molecules")) {
    if (!j["molecules"].is_array())
      throw HttpError(400, "invalid_request", "\"molecules\" must be an array of {\"smiles\", \"id\"}");
    check_size(j["molecules"].size());
    for (const auto& x : j["molecules"]) {
      if (!x.is_object() || !x.contains("smiles") || !x["smiles"].is_string())
        throw HttpError(400, "invalid_request", "every molecule needs a \"smiles\" string");
      chem::InputRecord r;
      r.index = static_cast<std::int64_t>(s.library.size());
      r.line = r.index + 1;
      r.text = x["smiles"].get<std::string>();
      if (x.contains("id")) r.id = x["id"].is_string() ? x["id"].get<std::string>() : x["id"].dump();
      s.library.push_back(std::move(r));
    }
  } else {
    const auto& l = j["library"];
    if (!l.is_object() || !l.contains("content") || !l["content"].is_string() || !l.contains("format") ||
        !l["format"].is_string())
      throw HttpError(400, "invalid_request", "\"library\" must be {\"format\": \"smi|csv|tsv|sdf\", \"content\": \"...\"}");
    s.library = read_library_text(ctx, l["content"].get<std::string>(), l["format"].get<std::string>(),
                                  l.value("smiles_col", std::string()), l.value("id_col", std::string()));
  }
  return s;
}

// multipart/form-data: "library" (a file; format from its name or a "format" field), "recipe" (JSON text),
// "top_k", "name", "smiles_col", "id_col".
Submission from_multipart(const ServerContext& ctx, const std::string& body, const std::string& boundary) {
  Submission s;
  std::string format, smiles_col, id_col, recipe_text, top_k_text;
  const FormPart* library = nullptr;
  auto parts = parse_multipart(body, boundary);
  for (const auto& p : parts) {
    if (p.name == "library") library = &p;
    else if (p.name == "recipe") recipe_text = std::string(p.data);
    else if (p.name == "top_k") top_k_text = std::string(p.data);
    else if (p.name == "name") s.name = std::string(p.data);
    else if (p.name == "format") format = std::string(p.data);
    else if (p.name == "smiles_col") smiles_col = std::string(p.data);
    else if (p.name == "id_col") id_col = std::string(p.data);
  }
  if (!library) throw HttpError(400, "invalid_request", "the form needs a \"library\" file part");
  if (recipe_text.empty()) throw HttpError(400, "invalid_request", "the form needs a \"recipe\" part (JSON)");
  s.recipe = parse_json_body(recipe_text, {ctx.options.max_json_depth});
  if (!top_k_text.empty()) s.top_k = int_param(top_k_text, "top_k", 0, 1000000000);
  if (format.empty()) format = format_from_filename(library->filename);
  if (format.empty())
    throw HttpError(400, "invalid_library", "cannot tell the library format from its file name; add a \"format\" field");
  s.library = read_library_text(ctx, library->data, format, smiles_col, id_col);
  return s;
}

nlohmann::json campaign_json(const CampaignRecord& c, bool full) {
  const double rate = c.scoring_seconds > 0 ? static_cast<double>(c.next_index) / c.scoring_seconds : 0.0;
  const std::int64_t left = c.n_records - c.next_index;
  const bool live = c.state == CampaignState::queued || c.state == CampaignState::running;
  nlohmann::json j = {
      {"id", c.id},
      {"name", c.name},
      {"state", to_string(c.state)},
      {"top_k", c.top_k},
      {"progress",
       {{"done", c.next_index},
        {"total", c.n_records},
        {"fraction", c.n_records > 0 ? static_cast<double>(c.next_index) / static_cast<double>(c.n_records) : 1.0}}},
      {"counts", {{"ok", c.n_ok}, {"invalid", c.n_invalid}, {"filtered", c.n_filtered}}},
      {"rate_per_second", rate},
      {"eta_seconds", live && rate > 0 ? nlohmann::json(static_cast<double>(left) / rate) : nlohmann::json()},
      {"created_at", c.created_at},
      {"started_at", c.started_at > 0 ? nlohmann::json(c.started_at) : nlohmann::json()},
      {"finished_at", c.finished_at > 0 ? nlohmann::json(c.finished_at) : nlohmann::json()},
      {"error", c.error.empty() ? nlohmann::json() : nlohmann::json(c.error)}};
  if (full) {
    j["recipe"] = nlohmann::json::parse(c.recipe);
    j["models"] = nlohmann::json::parse(c.models);
    j["columns"] = nlohmann::json::parse(c.columns);
  }
  return j;
}

CampaignRecord require_campaign(const ServerContext& ctx, const Request& req) {
  auto c = ctx.store.get(req.path_params.at("id"));
  if (!c) throw HttpError(404, "not_found", "no such campaign");
  return *c;
}

Response results_response(const ServerContext& ctx, const Request& req) {
  const CampaignRecord c = require_campaign(ctx, req);
  ResultQuery q;
  const std::string status = req.param("status", "all");
  if (status == "ok") q.status = 0;
  else if (status == "invalid") q.status = 1;
  else if (status == "filtered") q.status = 2;
  else if (status != "all")
    throw HttpError(400, "invalid_parameter", "'status' must be ok, invalid, filtered or all");
  const std::string sort = req.param("sort", "score");
  if (sort != "score" && sort != "index") throw HttpError(400, "invalid_parameter", "'sort' must be score or index");
  q.by_score = sort == "score";
  q.top_k = c.top_k;
  const std::string format = req.param("format", "json");
  if (format != "json" && format != "csv") throw HttpError(400, "invalid_parameter", "'format' must be json or csv");
  q.offset = int_param(req.param("offset", "0"), "offset", 0, INT64_MAX / 2);
  q.limit = int_param(req.param("limit", format == "csv" ? "100000" : "100"), "limit", 1,
                      format == "csv" ? 100000 : 1000);
  const auto rows = ctx.store.results(c.id, q);
  const nlohmann::json columns = nlohmann::json::parse(c.columns);
  // Rank = position in the score ordering of ok records; only meaningful when listing ok records by score.
  const bool ranked = q.by_score && q.status && *q.status == 0;
  if (format == "csv") {
    std::string out = ranked ? "rank," : "";
    out += "index,id,smiles,status,reason,score";
    for (const auto& name : columns["components"]) out += "," + core::csv_field("d_" + name.get<std::string>());
    for (const auto& name : columns["values"]) out += "," + core::csv_field(name.get<std::string>());
    out += ",notes\n";
    std::int64_t rank = q.offset;
    char buf[32];
    auto num = [&buf](const nlohmann::json& v) -> std::string {
      if (!v.is_number()) return "";
      std::snprintf(buf, sizeof buf, "%.9g", v.get<double>());
      return buf;
    };
    for (const auto& r : rows) {
      const nlohmann::json d = nlohmann::json::parse(r.detail);
      if (ranked) out += std::to_string(++rank) + ",";
      out += str_cat(r.index, ",", core::csv_field(r.id), ",", core::csv_field(r.smiles.empty() ? r.input : r.smiles),
                     ",", chem::to_string(static_cast<chem::RecordStatus>(r.status)), ",", core::csv_field(r.reason),
                     ",", num(json_number(r.score)));
      for (const auto& name : columns["components"]) out += "," + num(d["components"].value(name.get<std::string>(), nlohmann::json()));
      for (const auto& name : columns["values"]) out += "," + num(d["values"].value(name.get<std::string>(), nlohmann::json()));
      out += "," + core::csv_field(d.value("notes", std::string())) + "\n";
    }
    Response resp = Response::text(200, std::move(out), "text/csv; charset=utf-8");
    resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + c.id + "-results.csv\"");
    return resp;
  }
  nlohmann::json list = nlohmann::json::array();
  std::int64_t rank = q.offset;
  for (const auto& r : rows) {
    nlohmann::json j = {{"index", r.index},
                        {"id", r.id},
                        {"input", r.input},
                        {"smiles", r.smiles},
                        {"status", chem::to_string(static_cast<chem::RecordStatus>(r.status))},
                        {"reason", r.reason},
                        {"score", json_number(r.score)}};
    if (ranked) j["rank"] = ++rank;
    j.update(nlohmann::json::parse(r.detail));
    list.push_back(std::move(j));
  }
  return Response::json(200, {{"campaign", c.id},
                              {"state", to_string(c.state)},
                              {"total", ctx.store.count_results(c.id, q)},
                              {"offset", q.offset},
                              {"limit", q.limit},
                              {"columns", columns},
                              {"results", list}});
}

}  // namespace

void add_campaign_routes(ServerContext& ctx) {
  Router& router = ctx.router;

  nlohmann::json submit_schema = {
      {"application/json",
       {{"schema",
         {{"type", "object"},
          {"required", {"recipe"}},
          {"properties",
           {{"name", {{"type", "string"}}},
            {"recipe", {{"type", "object"}}},
            {"top_k", {{"type", "integer"}, {"minimum", 0}}},
            {"smiles", {{"type", "array"}, {"items", {{"type", "string"}}}}},
            {"molecules", {{"type", "array"}, {"items", {{"type", "object"}}}}},
            {"library",
             {{"type", "object"},
              {"properties",
               {{"format", {{"type", "string"}, {"enum", {"smi", "csv", "tsv", "sdf"}}}},
                {"content", {{"type", "string"}}},
                {"smiles_col", {{"type", "string"}}},
                {"id_col", {{"type", "string"}}}}}}}}}}}}},
      {"multipart/form-data",
       {{"schema",
         {{"type", "object"},
          {"required", {"library", "recipe"}},
          {"properties",
           {{"library", {{"type", "string"}, {"format", "binary"}}},
            {"recipe", {{"type", "string"}}},
            {"top_k", {{"type", "integer"}}},
            {"name", {{"type", "string"}}},
            {"format", {{"type", "string"}}}}}}}}}};
  Route submit;
  submit.method = "POST";
  submit.pattern = "/v1/campaigns";
  submit.openapi = operation(
      "Submit a campaign: a library (inline SMILES, molecules with ids, or a .smi/.csv/.tsv/.sdf "
      "upload), a recipe and top_k. Parsed and stored on the worker pool; 202 with the id once the "
      "campaign is durably stored.",
      {202, 400, 413, 415, 503}, {}, submit_schema);
  submit.handler = [&ctx](Request& req, Responder respond) {
    ctx.refuse_if_draining();
    // Parsing the library (up to --max-upload-mb of SMILES/CSV/SDF), compiling the recipe and the store's
    // transaction run on a worker, never on this I/O thread; the body moves there without a copy.
    run_on_worker(
        ctx, respond,
        [&ctx, boundary = multipart_boundary(req.header("content-type")), body = std::move(req.body)] {
          ctx.refuse_if_draining();
          Submission s = boundary.empty() ? from_json(ctx, body) : from_multipart(ctx, body, boundary);
          if (s.library.empty()) throw HttpError(400, "invalid_library", "the library holds no records");
          if (s.name.size() > 200) throw HttpError(400, "invalid_request", "\"name\" is longer than 200 characters");
          if (ctx.store.unfinished().size() >= ctx.options.max_active_campaigns) {
            HttpError e(503, "queue_full", "too many unfinished campaigns; retry when one has finished");
            e.retry_after = 30;
            throw e;
          }
          // Compiling validates the recipe completely (and caches it for the runner).
          const RecipeCompiler::Compiled compiled = ctx.compiler.compile(s.recipe);
          CampaignRecord c;
          c.id = new_campaign_id();
          c.name = s.name.empty() ? c.id : s.name;
          c.recipe = s.recipe.dump();
          c.models = compiled.pins.dump();
          c.columns =
              nlohmann::json{{"components", compiled.scorer->components()}, {"values", compiled.scorer->raw_columns()}}
                  .dump();
          c.top_k = s.top_k;
          c.chunk = ctx.options.campaign_chunk;
          c.n_records = static_cast<std::int64_t>(s.library.size());
          c.created_at = c.updated_at = unix_now();
          ctx.store.create(c, s.library);  // durable (synchronous=FULL) before the 202 below
          if (ctx.queue) ctx.queue->notify_background();
          Response r = Response::json(
              202,
              {{"id", c.id}, {"state", "queued"}, {"n_records", c.n_records}, {"status_url", "/v1/campaigns/" + c.id}});
          r.headers.emplace_back("Location", "/v1/campaigns/" + c.id);
          return r;
        },
        task_deadline(ctx));
  };
  router.add(std::move(submit));

  router.add_sync(
      "GET", "/v1/campaigns",
      [&ctx](Request& req) {
        const auto offset = int_param(req.param("offset", "0"), "offset", 0, INT64_MAX / 2);
        const auto limit = int_param(req.param("limit", "50"), "limit", 1, 500);
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : ctx.store.list(offset, limit)) list.push_back(campaign_json(c, false));
        return Response::json(200, {{"campaigns", list}, {"offset", offset}, {"limit", limit}});
      },
      operation("Campaigns, newest first", {200, 400}, {{"offset", "skip this many"}, {"limit", "at most 500"}}));

  router.add_sync(
      "GET", "/v1/campaigns/{id}",
      [&ctx](Request& req) { return Response::json(200, campaign_json(require_campaign(ctx, req), true)); },
      operation("State, progress, counts by status, rate and ETA of a campaign", {200, 404}));

  router.add_sync(
      "GET", "/v1/campaigns/{id}/results", [&ctx](Request& req) { return results_response(ctx, req); },
      operation("Results, paged: sorted by score (ok records ranked, capped at top_k) or by input index; JSON or CSV; "
                "every record has its status (ok, invalid, filtered) and reason",
                {200, 400, 404},
                {{"status", "ok, invalid, filtered or all (default)"},
                 {"sort", "score (default) or index"},
                 {"format", "json (default) or csv"},
                 {"offset", "skip this many"},
                 {"limit", "page size (JSON at most 1000, CSV at most 100000)"}}));

  router.add_sync(
      "POST", "/v1/campaigns/{id}/cancel",
      [&ctx](Request& req) {
        const CampaignRecord c = require_campaign(ctx, req);
        if (!ctx.store.transition(c.id, {CampaignState::queued, CampaignState::running}, CampaignState::cancelled))
          throw HttpError(409, "not_running", str_cat("the campaign is ", to_string(ctx.store.get(c.id)->state)));
        return Response::json(200, campaign_json(*ctx.store.get(c.id), false));
      },
      operation("Cancel a queued or running campaign (results committed so far stay)", {200, 404, 409}));

  router.add_sync(
      "DELETE", "/v1/campaigns/{id}",
      [&ctx](Request& req) {
        if (!ctx.store.remove(req.path_params.at("id"))) throw HttpError(404, "not_found", "no such campaign");
        return Response::json(200, {{"deleted", req.path_params.at("id")}});
      },
      operation("Delete a campaign with its library and results (a running one stops)", {200, 404}));
}

}  // namespace hitforge::serve
