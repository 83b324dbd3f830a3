#pragma once
// Self-describing language-model checkpoints (generative priors) and the run directory of their training.
//
// PRIOR_DIR layout (hitforge train --model smiles_lstm ...):
//   run.json        LMManifest (written first, atomically)
//   model.pt        best-epoch weights so far + the manifest as the archive entry "hitforge_meta" (so the file alone
//                   rebuilds the model and its vocabulary), republished atomically whenever validation improves
//   state.pt        resumable state after the last finished epoch (train/train_state.h)
//   log.jsonl       one line per epoch: train_loss (nats per token), valid_nll (nats per molecule),
//                   valid_nll_per_token, lr, seconds, train_tokens_per_s, ...
//   metrics.json    final train/valid/test NLL with the best-epoch weights
//   learning_curve.svg
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "chem/tokenizers/vocabulary.h"
#include "models/language_model.h"

namespace hitforge::train {

struct LMManifest {
  std::string hitforge_version;
  nlohmann::json model;        ///< models::model_spec(): {"name", "config"}
  nlohmann::json vocabulary;   ///< chem::Vocabulary JSON: token i has id i
  std::string tokens_block;    ///< dataset block the sequences came from
  std::string tokenizer;       ///< featuriser spec of that block ("smiles_tokens")
  std::string standardize = "none";  ///< standardisation the dataset was built with
  std::string dataset_path, dataset_sha256, split;
  nlohmann::json train_options;

  /// A protein language model (tokenizer "protein", `hitforge protein ...`) rather than a SMILES prior.
  bool is_protein() const { return tokenizer == "protein"; }

  nlohmann::json to_json() const;
  /// UsageError for documents that are not a language-model manifest of a supported version.
  static LMManifest from_json(const nlohmann::json& j);
  void save(const std::string& run_dir) const;            ///< RUN_DIR/run.json, atomically
  static LMManifest load(const std::string& run_dir);     ///< UsageError naming the file
};

/// Saves weights + manifest to `path` atomically.
void save_language_model(models::LanguageModel& model, const LMManifest& manifest, const std::string& path);

struct LoadedLanguageModel {
  LMManifest manifest;
  chem::Vocabulary vocabulary;
  std::shared_ptr<models::LanguageModel> model;  ///< on the requested device, in eval mode
};

/// Loads a prior from a run directory (its model.pt) or a model.pt file. UsageError naming the path when it is
/// missing, not a language model (e.g. a property-model run), or inconsistent with its vocabulary.
LoadedLanguageModel load_language_model(const std::string& dir_or_file, const torch::Device& device);
/// UsageError naming `path` unless `loaded` is a SMILES prior (generate, likelihood, optimize, the server).
void require_smiles_prior(const LoadedLanguageModel& loaded, const std::string& path);
/// UsageError naming `path` unless `loaded` is a protein language model (hitforge protein ...).
void require_protein_lm(const LoadedLanguageModel& loaded, const std::string& path);

}  // namespace hitforge::train
