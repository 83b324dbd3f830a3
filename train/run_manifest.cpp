#include "train/run_manifest.h"

#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace hitforge::train {

nlohmann::json RunManifest::to_json() const {
  std::vector<std::string> types;
  for (auto t : task_types) types.push_back(task_type_name(t));
  return {{"format", "hitforge-run"},
          {"format_version", 1},
          {"hitforge_version", hitforge_version},
          {"model", model},
          {"input", input.to_json()},
          {"featurizers", featurizer_specs},
          {"targets", targets},
          {"task_types", types},
          {"target_scaler", target_scaler.to_json()},
          {"input_scaler", input_scaler.empty() ? nlohmann::json() : input_scaler.to_json()},
          {"extra_scaler", extra_scaler.empty() ? nlohmann::json() : extra_scaler.to_json()},
          {"dataset", {{"path", dataset_path}, {"sha256", dataset_sha256}, {"split", split}}},
          {"standardize", standardize},
          {"ensemble", ensemble},
          {"train_options", train_options}};
}

RunManifest RunManifest::from_json(const nlohmann::json& j) {
  HITFORGE_REQUIRE(j.value("format", "") == "hitforge-run", "not a hitforge run manifest");
  HITFORGE_REQUIRE(j.value("format_version", 0) == 1, "unsupported run manifest version");
  RunManifest m;
  m.hitforge_version = j.value("hitforge_version", "");
  m.model = j.at("model");
  m.input = InputSpec::from_json(j.at("input"));
  m.featurizer_specs = j.at("featurizers").get<std::vector<std::string>>();
  m.targets = j.at("targets").get<std::vector<std::string>>();
  for (const auto& t : j.at("task_types").get<std::vector<std::string>>()) m.task_types.push_back(parse_task_type(t));
  m.target_scaler = ColumnScaler::from_json(j.at("target_scaler"));
  m.input_scaler = ColumnScaler::from_json(j.value("input_scaler", nlohmann::json()));
  m.extra_scaler = ColumnScaler::from_json(j.value("extra_scaler", nlohmann::json()));
  const auto& d = j.at("dataset");
  m.dataset_path = d.value("path", "");
  m.dataset_sha256 = d.value("sha256", "");
  m.split = d.value("split", "");
  m.standardize = j.value("standardize", "none");
  m.ensemble = j.value("ensemble", 1);
  m.train_options = j.value("train_options", nlohmann::json::object());
  return m;
}

void RunManifest::save(const std::string& run_dir) const {
  core::write_file_atomic((std::filesystem::path(run_dir) / "run.json").string(), to_json().dump(2) + "\n");
}

RunManifest RunManifest::load(const std::string& run_dir) {
  std::string path = (std::filesystem::path(run_dir) / "run.json").string();
  std::ifstream in(path);
  HITFORGE_REQUIRE(in.good(), "'", run_dir, "' is not a hitforge run directory (no run.json)");
  try {
    return from_json(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    throw core::UsageError(core::str_cat("'", path, "' is malformed: ", e.what()));
  }
}

}  // namespace hitforge::train
