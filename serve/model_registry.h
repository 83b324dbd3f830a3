#pragma once
// The models a server may use, fixed at start-up: MODEL_DIR/manifest.json pins each one by name and sha256.
//
//   {"models": [{"name": "tpsa", "path": "tpsa_run", "sha256": "<64 hex>", "description": "optional"}]}
//
// `path` is a directory relative to MODEL_DIR, inside it: a trained property-model run (train/run_manifest.h; kind
// "predictor", for /v1/predict and recipes) or a generative prior (hitforge train --model smiles_lstm,
// train/lm_checkpoint.h; kind "generator", for /v1/generate). The kind comes from its run.json. Its digest is the
// sha256 of the `sha256sum` listing of the files that define its outputs, in byte order of their relative paths:
//   (cd MODEL_DIR/tpsa_run && LC_ALL=C sha256sum run.json member_*/model.pt | sha256sum)   predictor
//   (cd MODEL_DIR/prior && LC_ALL=C sha256sum model.pt run.json | sha256sum)                generator
// A model whose files do not match its pin stops the server from starting; `write_model_manifest` pins every run
// directory below MODEL_DIR (for `hitforge serve --pin-models`).
//
// Recipes reach models only by name: RecipeCompiler rewrites {"model": "tpsa"} to the pinned directory and refuses
// every key through which a recipe could make the server read a file (a scorer's "file", "reference_file",
// "fpscores") — clients never name paths. Compiled ScoringFunctions are cached by the recipe's canonical text.
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitforge::screen {
class ScoringFunction;
}

namespace hitforge::serve {

struct ModelInfo {
  std::string name, description, sha256;
  std::string kind = "predictor";  ///< "predictor" (property model) or "generator" (SMILES language-model prior)
  std::string dir;  ///< absolute; never sent to clients
  std::vector<std::string> targets, task_types, featurizers;  ///< empty for generators
  std::string model_class;
  int ensemble = 1;
  nlohmann::json to_json() const;  ///< client view (no paths)
};

class ModelRegistry {
 public:
  /// Reads and verifies MODEL_DIR/manifest.json. UsageError (for the operator, paths allowed) on any mismatch.
  explicit ModelRegistry(const std::string& model_dir);
  const std::vector<ModelInfo>& models() const { return models_; }
  const ModelInfo* find(const std::string& name) const;
  /// Names of the models of one kind, comma-separated ("none" when there is none), for error messages.
  std::string names(const std::string& kind) const;
  const std::string& dir() const { return dir_; }
  /// Digest of one run directory as described above.
  static std::string run_digest(const std::string& run_dir);

 private:
  std::string dir_;
  std::vector<ModelInfo> models_;
};

/// Pins every run directory (a directory holding run.json) directly below `model_dir` into manifest.json
/// (published atomically), names = directory names. Returns the number of models pinned.
std::size_t write_model_manifest(const std::string& model_dir);

class RecipeCompiler {
 public:
  RecipeCompiler(const ModelRegistry& registry, std::string device, std::size_t cache_size = 32);

  struct Compiled {
    std::shared_ptr<const screen::ScoringFunction> scorer;
    std::string key;      ///< canonical recipe text (batching and cache key)
    nlohmann::json pins;  ///< model name → sha256 of the models the recipe uses
  };
  /// HttpError 400 "invalid_recipe" with a client-safe message for anything wrong with the recipe.
  Compiled compile(const nlohmann::json& recipe);
  /// The recipe as the server will run it (models resolved to directories); HttpError as compile(). Exposed for tests.
  nlohmann::json resolve(const nlohmann::json& recipe, nlohmann::json& pins) const;
  /// Replaces server paths (the model directory) in a message with neutral words.
  std::string scrub(const std::string& message) const;

 private:
  const ModelRegistry& registry_;
  std::string device_;
  std::size_t cache_size_;
  std::mutex mu_;
  std::list<std::pair<std::string, Compiled>> lru_;  // most recent first
};

}  // namespace hitforge::serve
