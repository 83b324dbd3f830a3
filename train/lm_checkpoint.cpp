#include "train/lm_checkpoint.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "models/model_config.h"

namespace hitforge::train {
namespace fs = std::filesystem;
using core::str_cat;

namespace {
constexpr const char* kFormat = "hitforge-language-model";
constexpr int kFormatVersion = 1;
constexpr const char* kMetaKey = "hitforge_meta";
}  // namespace

nlohmann::json LMManifest::to_json() const {
  return {{"format", kFormat},
          {"format_version", kFormatVersion},
          {"hitforge_version", hitforge_version},
          {"model", model},
          {"vocabulary", vocabulary},
          {"tokens", {{"block", tokens_block}, {"featurizer", tokenizer}}},
          {"standardize", standardize},
          {"dataset", {{"path", dataset_path}, {"sha256", dataset_sha256}, {"split", split}}},
          {"train_options", train_options}};
}

LMManifest LMManifest::from_json(const nlohmann::json& j) {
  const std::string format = j.is_object() ? j.value("format", "") : "";
  HITFORGE_REQUIRE(format != "hitforge-run", "this is a property-model run (hitforge predict uses it), not a ",
                   "language model");
  HITFORGE_REQUIRE(format == kFormat, "not a hitforge language-model manifest");
  HITFORGE_REQUIRE(j.value("format_version", 0) == kFormatVersion, "unsupported language-model format version ",
                   j.value("format_version", 0), " (this hitforge reads ", kFormatVersion, ")");
  try {
    LMManifest m;
    m.hitforge_version = j.value("hitforge_version", "");
    m.model = j.at("model");
    m.vocabulary = j.at("vocabulary");
    const auto& t = j.at("tokens");
    m.tokens_block = t.value("block", "");
    m.tokenizer = t.value("featurizer", "");
    m.standardize = j.value("standardize", "none");
    const auto& d = j.at("dataset");
    m.dataset_path = d.value("path", "");
    m.dataset_sha256 = d.value("sha256", "");
    m.split = d.value("split", "");
    m.train_options = j.value("train_options", nlohmann::json::object());
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw core::UsageError(str_cat("malformed language-model manifest: ", e.what()));
  }
}

void LMManifest::save(const std::string& run_dir) const {
  core::write_file_atomic((fs::path(run_dir) / "run.json").string(), to_json().dump(2) + "\n");
}

LMManifest LMManifest::load(const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / "run.json").string();
  std::ifstream in(path);
  HITFORGE_REQUIRE(in.good(), "'", run_dir, "' is not a hitforge run directory (no run.json)");
  auto j = nlohmann::json::parse(in, nullptr, false);
  HITFORGE_REQUIRE(!j.is_discarded(), "'", path, "' is not valid JSON");
  try {
    return from_json(j);
  } catch (const core::UsageError& e) {
    throw core::UsageError(str_cat("'", path, "': ", e.what()));
  }
}

void save_language_model(models::LanguageModel& model, const LMManifest& manifest, const std::string& path) {
  core::AtomicFile out(path);
  torch::serialize::OutputArchive archive;
  model.module()->save(archive);
  archive.write(kMetaKey, c10::IValue(manifest.to_json().dump()));
  archive.save_to(out.temp_path());
  out.commit();
}

LoadedLanguageModel load_language_model(const std::string& dir_or_file, const torch::Device& device) {
  std::string path = dir_or_file;
  if (fs::is_directory(path)) {
    path = (fs::path(dir_or_file) / "model.pt").string();
    if (!fs::exists(path)) {
      const bool property_run = fs::exists(fs::path(dir_or_file) / "member_0");
      HITFORGE_REQUIRE(!property_run, "'", dir_or_file, "' is a property-model run, not a language model (train one ",
                       "with --model smiles_lstm on a smiles_tokens dataset)");
      HITFORGE_REQUIRE(!fs::exists(fs::path(dir_or_file) / "state.pt"), "'", dir_or_file,
                       "' has no model.pt yet: its training has not finished an epoch (resume it with --resume)");
      throw core::UsageError(str_cat("'", dir_or_file, "' holds no language model (no model.pt)"));
    }
  }
  HITFORGE_REQUIRE(fs::exists(path), "language model '", path, "' does not exist");
  torch::serialize::InputArchive archive;
  c10::IValue meta;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw core::UsageError(str_cat("cannot read '", path, "': ", e.what_without_backtrace()));
  }
  HITFORGE_REQUIRE(archive.try_read(kMetaKey, meta) && meta.isString(), "'", path,
                   "' is not a hitforge language model (no embedded description)");
  auto j = nlohmann::json::parse(meta.toStringRef(), nullptr, false);
  HITFORGE_REQUIRE(!j.is_discarded(), "'", path, "' has a corrupt embedded description");
  LoadedLanguageModel out;
  try {
    out.manifest = LMManifest::from_json(j);
  } catch (const core::UsageError& e) {
    throw core::UsageError(str_cat("'", path, "': ", e.what()));
  }
  out.vocabulary = chem::Vocabulary::from_json(out.manifest.vocabulary);
  out.model = models::make_language_model(out.manifest.model);
  HITFORGE_REQUIRE(out.model->vocab_size() == static_cast<std::int64_t>(out.vocabulary.size()), "'", path,
                   "': the model has ", out.model->vocab_size(), " token ids but its vocabulary ",
                   out.vocabulary.size());
  try {
    out.model->module()->load(archive);
  } catch (const c10::Error& e) {
    throw core::UsageError(str_cat("cannot load the weights in '", path, "': ", e.what_without_backtrace()));
  }
  out.model->to(device);
  out.model->eval();
  return out;
}

void require_smiles_prior(const LoadedLanguageModel& loaded, const std::string& path) {
  HITFORGE_REQUIRE(!loaded.manifest.is_protein(), "'", path, "' is a protein language model, not a SMILES prior; ",
                   "use hitforge protein sample|score|embed");
}

void require_protein_lm(const LoadedLanguageModel& loaded, const std::string& path) {
  HITFORGE_REQUIRE(loaded.manifest.is_protein(), "'", path, "' is a ", loaded.manifest.model.value("name", "?"),
                   " prior over ", loaded.manifest.tokenizer, ", not a protein language model (train one with ",
                   "--model protein_lm on a dataset from hitforge dataset build --sequences)");
}

}  // namespace hitforge::train
