#include "serve/model_registry.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "core/atomic_file.h"
#include "core/checksum.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "screen/scoring_function.h"
#include "serve/http_types.h"

namespace hitforge::serve {
using core::str_cat;
namespace fs = std::filesystem;

namespace {

bool valid_name(const std::string& s) {
  static const std::regex re("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  return std::regex_match(s, re);
}

constexpr const char* kLanguageModelFormat = "hitforge-language-model";  // train/lm_checkpoint.cpp

bool is_generator_run(const fs::path& run_dir) {
  std::ifstream in(run_dir / "run.json");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("format", "") == kLanguageModelFormat;
}

// The files that define a trained run's outputs, relative to the run directory, in byte order: a property run's
// run.json and member weights, or a prior's run.json and model.pt (its best-epoch weights; state.pt is not read).
std::vector<std::string> run_files(const fs::path& run_dir) {
  if (is_generator_run(run_dir)) return {"model.pt", "run.json"};
  std::vector<std::string> files = {"run.json"};
  for (const auto& e : fs::directory_iterator(run_dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind("member_", 0) == 0 && fs::is_regular_file(e.path() / "model.pt"))
      files.push_back(name + "/model.pt");
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  HITFORGE_REQUIRE(in.good(), "cannot read '", path.string(), "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw core::UsageError(str_cat("'", path.string(), "' is not valid JSON: ", e.what()));
  }
}

// Keys through which a scorer reads server files; a client recipe may use none of them.
constexpr const char* kPathKeys[] = {"file", "reference_file", "fpscores"};

void check_scorer(const nlohmann::json& spec, const std::string& where) {
  if (!spec.is_object()) return;  // a bare scorer name, or a malformed entry ScoringFunction will report
  for (const char* key : kPathKeys)
    if (spec.contains(key))
      throw HttpError(400, "invalid_recipe",
                      str_cat(where, ": \"", key,
                              "\" is not allowed in server recipes (the server reads no files named by clients); "
                              "give reference molecules inline with \"references\" or \"patterns\""));
}

}  // namespace

nlohmann::json ModelInfo::to_json() const {
  return {{"name", name},         {"kind", kind},       {"description", description}, {"sha256", sha256},
          {"model", model_class}, {"targets", targets}, {"task_types", task_types},   {"featurizers", featurizers},
          {"ensemble", ensemble}};
}

std::string ModelRegistry::names(const std::string& kind) const {
  std::vector<std::string> out;
  for (const auto& m : models_)
    if (m.kind == kind) out.push_back(m.name);
  return out.empty() ? std::string("none") : core::join(out);
}

std::string ModelRegistry::run_digest(const std::string& run_dir) {
  std::string listing;
  for (const auto& rel : run_files(run_dir)) {
    HITFORGE_REQUIRE(fs::is_regular_file(fs::path(run_dir) / rel), "'", (fs::path(run_dir) / rel).string(),
                     "' is missing");
    listing += core::sha256_file((fs::path(run_dir) / rel).string()) + "  " + rel + "\n";
  }
  return core::sha256_hex(listing);
}

ModelRegistry::ModelRegistry(const std::string& model_dir) {
  HITFORGE_REQUIRE(fs::is_directory(model_dir), "--model-dir '", model_dir, "' is not a directory");
  dir_ = fs::canonical(model_dir).string();
  const fs::path manifest = fs::path(dir_) / "manifest.json";
  HITFORGE_REQUIRE(fs::exists(manifest), "'", manifest.string(),
                   "' does not exist: the server only uses models pinned there by name and sha256 "
                   "(create it with 'hitforge serve --model-dir ", model_dir, " --pin-models')");
  const nlohmann::json j = read_json_file(manifest);
  HITFORGE_REQUIRE(j.is_object() && j.contains("models") && j["models"].is_array(), "'", manifest.string(),
                   "' must be an object with a \"models\" array");
  for (const auto& m : j["models"]) {
    HITFORGE_REQUIRE(m.is_object() && m.value("name", "") != "" && m.value("path", "") != "" &&
                         m.value("sha256", "") != "",
                     "'", manifest.string(), "': every model needs \"name\", \"path\" and \"sha256\"");
    ModelInfo info;
    info.name = m["name"].get<std::string>();
    HITFORGE_REQUIRE(valid_name(info.name), "'", manifest.string(), "': model name '", info.name,
                     "' must be 1-64 letters, digits, '_', '.' or '-'");
    HITFORGE_REQUIRE(!find(info.name), "'", manifest.string(), "': model '", info.name, "' appears twice");
    const fs::path rel = m["path"].get<std::string>();
    HITFORGE_REQUIRE(rel.is_relative(), "'", manifest.string(), "': model '", info.name,
                     "' path must be relative to the model directory");
    std::error_code ec;
    const fs::path dir = fs::canonical(fs::path(dir_) / rel, ec);
    HITFORGE_REQUIRE(!ec && fs::is_directory(dir), "model '", info.name, "': '", (fs::path(dir_) / rel).string(),
                     "' is not a directory");
    const std::string d = dir.string();
    HITFORGE_REQUIRE(d.size() > dir_.size() && d.compare(0, dir_.size(), dir_) == 0 && d[dir_.size()] == '/',
                     "model '", info.name, "': '", d, "' is outside the model directory");
    info.dir = d;
    info.sha256 = m["sha256"].get<std::string>();
    HITFORGE_REQUIRE(core::is_sha256_hex(info.sha256), "model '", info.name, "': sha256 must be 64 hex digits");
    std::transform(info.sha256.begin(), info.sha256.end(), info.sha256.begin(), ::tolower);
    const std::string actual = run_digest(d);
    HITFORGE_REQUIRE(actual == info.sha256, "model '", info.name, "' in '", d, "' does not match its pinned sha256 (",
                     info.sha256, " pinned, ", actual, " found); re-pin it only if the change is intended");
    info.description = m.value("description", "");
    const nlohmann::json run = read_json_file(dir / "run.json");
    if (run.is_object() && run.value("format", "") == kLanguageModelFormat) {
      info.kind = "generator";
      if (run.contains("model") && run["model"].is_object()) info.model_class = run["model"].value("name", "");
      models_.push_back(std::move(info));
      continue;
    }
    info.targets = run.value("targets", std::vector<std::string>{});
    info.featurizers = run.value("featurizers", std::vector<std::string>{});
    if (run.contains("task_types") && run["task_types"].is_array())
      for (const auto& t : run["task_types"]) info.task_types.push_back(t.is_string() ? t.get<std::string>() : t.dump());
    if (run.contains("model") && run["model"].is_object()) info.model_class = run["model"].value("name", "");
    info.ensemble = run.value("ensemble", 1);
    HITFORGE_REQUIRE(!info.targets.empty(), "model '", info.name, "': run.json lists no targets");
    models_.push_back(std::move(info));
  }
}

const ModelInfo* ModelRegistry::find(const std::string& name) const {
  for (const auto& m : models_)
    if (m.name == name) return &m;
  return nullptr;
}

std::size_t write_model_manifest(const std::string& model_dir) {
  HITFORGE_REQUIRE(fs::is_directory(model_dir), "--model-dir '", model_dir, "' is not a directory");
  nlohmann::json models = nlohmann::json::array();
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(model_dir))
    if (e.is_directory() && fs::exists(e.path() / "run.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    const std::string name = d.filename().string();
    HITFORGE_REQUIRE(valid_name(name), "run directory '", d.string(),
                     "' cannot be a model name (1-64 letters, digits, '_', '.', '-'); rename it");
    models.push_back({{"name", name}, {"path", name}, {"sha256", ModelRegistry::run_digest(d.string())}});
  }
  core::write_file_atomic((fs::path(model_dir) / "manifest.json").string(),
                          nlohmann::json{{"models", models}}.dump(2) + "\n");
  return models.size();
}

RecipeCompiler::RecipeCompiler(const ModelRegistry& registry, std::string device, std::size_t cache_size)
    : registry_(registry), device_(std::move(device)), cache_size_(cache_size) {}

std::string RecipeCompiler::scrub(const std::string& message) const {
  std::string out = message;
  // Longest paths first so that a model's directory is named by the model rather than half-replaced.
  std::vector<const ModelInfo*> ms;
  for (const auto& m : registry_.models()) ms.push_back(&m);
  std::sort(ms.begin(), ms.end(), [](auto a, auto b) { return a->dir.size() > b->dir.size(); });
  auto replace_all = [&out](const std::string& from, const std::string& to) {
    for (std::size_t p = out.find(from); p != std::string::npos; p = out.find(from, p + to.size()))
      out.replace(p, from.size(), to);
  };
  for (const auto* m : ms) replace_all(m->dir, m->name);
  replace_all(registry_.dir(), "<models>");
  return out;
}

nlohmann::json RecipeCompiler::resolve(const nlohmann::json& recipe, nlohmann::json& pins) const {
  if (!recipe.is_object()) throw HttpError(400, "invalid_recipe", "\"recipe\" must be a JSON object");
  nlohmann::json r = recipe;
  pins = nlohmann::json::object();
  if (r.contains("filters") && r["filters"].is_array())
    for (std::size_t i = 0; i < r["filters"].size(); ++i)
      if (r["filters"][i].is_object() && r["filters"][i].contains("scorer"))
        check_scorer(r["filters"][i]["scorer"], str_cat("filter ", i + 1));
  if (r.contains("components") && r["components"].is_array()) {
    for (std::size_t i = 0; i < r["components"].size(); ++i) {
      auto& c = r["components"][i];
      if (!c.is_object()) continue;
      const std::string where = str_cat("component ", i + 1);
      if (c.contains("scorer")) check_scorer(c["scorer"], where);
      if (!c.contains("model")) continue;
      if (!c["model"].is_string())
        throw HttpError(400, "invalid_recipe", where + ": \"model\" must be the name of a model from GET /v1/models");
      const std::string name = c["model"].get<std::string>();
      const ModelInfo* m = registry_.find(name);
      if (!m) {
        std::vector<std::string> names;
        for (const auto& x : registry_.models()) names.push_back(x.name);
        throw HttpError(400, "unknown_model",
                        str_cat(where, ": no model named '", name.substr(0, 64), "' (available: ",
                                names.empty() ? std::string("none") : core::join(names), ")"));
      }
      if (m->kind != "predictor")
        throw HttpError(400, "invalid_recipe",
                        str_cat(where, ": model '", name,
                                "' is a generator (POST /v1/generate), not a property model; "
                                "property models: ",
                                registry_.names("predictor")));
      if (c.contains("target")) {
        if (!c["target"].is_string() ||
            std::find(m->targets.begin(), m->targets.end(), c["target"].get<std::string>()) == m->targets.end())
          throw HttpError(400, "invalid_recipe",
                          str_cat(where, ": model '", name, "' has no such target (it has: ", core::join(m->targets),
                                  ")"));
      }
      c["model"] = m->dir;
      pins[name] = m->sha256;
    }
  }
  return r;
}

RecipeCompiler::Compiled RecipeCompiler::compile(const nlohmann::json& recipe) {
  const std::string key = recipe.dump();  // nlohmann objects are key-sorted: equal recipes give equal text
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = lru_.begin(); it != lru_.end(); ++it)
      if (it->first == key) {
        lru_.splice(lru_.begin(), lru_, it);
        return it->second;
      }
  }
  Compiled c;
  c.key = key;
  const nlohmann::json resolved = resolve(recipe, c.pins);
  screen::ScoringFunction::Options o;
  o.base_dir = registry_.dir();  // nothing is resolved against it: every path-taking key was refused above
  o.device = device_;
  try {
    c.scorer = std::make_shared<const screen::ScoringFunction>(resolved, o);
  } catch (const core::UsageError& e) {
    throw HttpError(400, "invalid_recipe", scrub(e.what()));
  } catch (const nlohmann::json::exception&) {
    throw HttpError(400, "invalid_recipe", "a value in the recipe has the wrong JSON type");
  }
  std::lock_guard<std::mutex> lock(mu_);
  lru_.emplace_front(key, c);
  while (lru_.size() > cache_size_) lru_.pop_back();
  return c;
}

}  // namespace hitforge::serve
