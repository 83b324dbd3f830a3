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
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/dmpnn.h"
#include "models/fingerprint_mlp.h"
#include "models/property_model.h"

namespace hitforge::models {

/// Sizes known from the data set; unset = take them from the config.
struct ModelDims {
  std::optional<std::int64_t> input_dim;           ///< fingerprint / descriptor width (fp_mlp)
  std::optional<std::int64_t> atom_dim;            ///< graph atom feature width (dmpnn)
  std::optional<std::int64_t> bond_dim;            ///< graph bond feature width (dmpnn)
  std::optional<std::int64_t> extra_features_dim;  ///< molecule-level features next to the graph (dmpnn)
  std::optional<std::int64_t> n_tasks;             ///< targets; 1 when neither gives it
};

nlohmann::json fingerprint_mlp_options_to_json(const FingerprintMLPOptions& options);
FingerprintMLPOptions fingerprint_mlp_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});
nlohmann::json dmpnn_options_to_json(const DMPNNOptions& options);
DMPNNOptions dmpnn_options_from_json(const nlohmann::json& config, const ModelDims& dims = {});

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

}  // namespace hitforge::models
