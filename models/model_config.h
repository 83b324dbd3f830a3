#pragma once
// Model configs as JSON and the registry of property models by name.
//
// A config is a JSON object of option fields, e.g. for "dmpnn" {"hidden": 300, "depth": 3, "aggregation": "mean"};
// fields left out take the Options defaults. Sizes that come from the data (input_dim, atom_dim, bond_dim,
// extra_features_dim, n_tasks) may be given by ModelDims instead; a size in both must agree. Every function here
// throws core::UsageError — naming the model, the field and what is known — for an unknown model name, an unknown
// key, a value of the wrong JSON type, a missing size, or an out-of-range value.
//
//   fp_mlp keys: input_dim n_tasks hidden dropout activation sparse_input
//   dmpnn  keys: atom_dim bond_dim n_tasks hidden depth dropout aggregation aggregation_norm bias
//                extra_features_dim batch_norm ffn_hidden ffn_layers
//
// Language models (generative priors, models/language_model.h) have their own registry, make_language_model():
//   smiles_lstm keys: vocab_size embedding_dim hidden layers dropout pad_id bos_id eos_id unk_id
//   smiles_transformer keys: vocab_size d_model heads layers ff_dim dropout max_positions pad_id bos_id eos_id unk_id
//   protein_lm keys: those of smiles_transformer (defaults sized for proteins; docs/protein.md)
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/dmpnn.h"
#include "models/dta.h"
#include "models/fingerprint_mlp.h"
#include "models/language_model.h"
#include "models/property_model.h"
#include "models/smiles_lm.h"
#include "models/smiles_transformer.h"

namespace hitforge::models {

/// Sizes known from the data set; unset = take them from the config.
struct ModelDims {
  std::optional<std::int64_t> input_dim;           ///< fingerprint / descriptor width (fp_mlp)
  std::optional<std::int64_t> atom_dim;            ///< graph atom feature width (dmpnn)
  std::optional<std::int64_t> bond_dim;            ///< graph bond feature width (dmpnn)
  std::optional<std::int64_t> extra_features_dim;  ///< molecule-level features next to the graph (dmpnn)
  std::optional<std::int64_t> n_tasks;             ///< targets; 1 when neither gives it
  std::optional<std::int64_t> vocab_size;          ///< tokens of the vocabulary, specials included (language models)
};

nlohmann::json fingerprint_mlp_options_to_json(const FingerprintMLPOptions& options);
FingerprintMLPOptions fingerprint_mlp_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});
nlohmann::json dmpnn_options_to_json(const DMPNNOptions& options);
DMPNNOptions dmpnn_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});
nlohmann::json smiles_lstm_options_to_json(const SmilesLSTMOptions& options);
SmilesLSTMOptions smiles_lstm_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});
nlohmann::json smiles_transformer_options_to_json(const SmilesTransformerOptions& options);
/// protein_lm: the smiles_transformer keys, with defaults d_model 128, heads 4, layers 4, max_positions 512.
SmilesTransformerOptions protein_lm_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});
SmilesTransformerOptions smiles_transformer_options_from_json(const nlohmann::json& config,
                                                              const ModelDims& dims = {});

/// Registered model names, sorted.
std::vector<std::string> known_models();
/// Builds (and randomly initialises, from torch's global generator) the model `name` from a config object
/// (null = all defaults).
std::shared_ptr<PropertyModel> make_model(const std::string& name, const nlohmann::json& config,
                                          const ModelDims& dims = {});

/// {"name": model.name(), "config": model.to_json()}: what a checkpoint stores to rebuild the model.
nlohmann::json model_spec(const PropertyModel& model);
/// Inverse of model_spec (fresh parameters; load the weights separately).
std::shared_ptr<PropertyModel> make_model(const nlohmann::json& spec);

/// Registered language-model names, sorted ("protein_lm", "smiles_lstm", "smiles_transformer").
std::vector<std::string> known_language_models();
bool is_language_model(const std::string& name);
/// Builds (random init from torch's global generator) the language model `name`; dims.vocab_size usually comes
/// from the data set's vocabulary.
std::shared_ptr<LanguageModel> make_language_model(const std::string& name, const nlohmann::json& config,
                                                   const ModelDims& dims = {});
/// {"name", "config"} of a language model, and its inverse (fresh parameters).
nlohmann::json model_spec(const LanguageModel& model);
std::shared_ptr<LanguageModel> make_language_model(const nlohmann::json& spec);

// ---- drug–target pair models (models/dta.h) ----
// They take a DTAInput (ligands + protein tokens + pair indices), not a ModelInput, so they have their own
// registry, make_pair_model(). Sizes from ModelDims: atom_dim, bond_dim, extra_features_dim (dmpnn ligands),
// input_dim (fp_mlp ligands), vocab_size (the protein vocabulary), n_tasks.
//   dta keys: ligand_encoder ("dmpnn" | "fp_mlp"; default dmpnn unless only input_dim is known), ligand (the
//             encoder's own config object, without n_tasks), ligand_dim protein_vocab_size protein_embedding_dim
//             protein_filters protein_kernel_sizes pad_id head_hidden dropout n_tasks
nlohmann::json dta_options_to_json(const DTAOptions& options);
DTAOptions dta_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});
/// Registered pair-model names, sorted ("dta").
std::vector<std::string> known_pair_models();
bool is_pair_model(const std::string& name);
/// Builds (random init from torch's global generator) the pair model `name`.
std::shared_ptr<DTAModel> make_pair_model(const std::string& name, const nlohmann::json& config,
                                          const ModelDims& dims = {});
/// {"name", "config"} of a pair model, and its inverse (fresh parameters).
nlohmann::json model_spec(const DTAModel& model);
std::shared_ptr<DTAModel> make_pair_model(const nlohmann::json& spec);

}  // namespace hitforge::models
