#include "models/property_model.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/model_config.h"

namespace hitforge::models {

ModelInput ModelInput::from_dense(torch::Tensor x) {
  ModelInput in;
  in.kind = Kind::dense;
  in.dense = std::move(x);
  return in;
}

ModelInput ModelInput::from_sparse(torch::Tensor indices, torch::Tensor offsets) {
  ModelInput in;
  in.kind = Kind::sparse;
  in.indices = std::move(indices);
  in.offsets = std::move(offsets);
  return in;
}

ModelInput ModelInput::from_graph(GraphBatch graph, torch::Tensor extra_features) {
  ModelInput in;
  in.kind = Kind::graph;
  in.graph = std::move(graph);
  in.extra_features = std::move(extra_features);
  return in;
}

std::int64_t ModelInput::batch_size() const {
  switch (kind) {
    case Kind::dense: return dense.defined() ? dense.size(0) : 0;
    case Kind::sparse: return offsets.defined() ? offsets.size(0) : 0;
    case Kind::graph: return graph.n_mols;
  }
  return 0;
}

ModelInput ModelInput::to(const torch::Device& device, bool non_blocking) const {
  ModelInput out = *this;
  for (torch::Tensor* t : {&out.dense, &out.indices, &out.offsets, &out.extra_features})
    if (t->defined()) *t = t->to(device, non_blocking);
  if (kind == Kind::graph) out.graph = graph.to(device, non_blocking);
  return out;
}

const char* to_string(ModelInput::Kind kind) {
  switch (kind) {
    case ModelInput::Kind::dense: return "dense features";
    case ModelInput::Kind::sparse: return "sparse fingerprint bits";
    case ModelInput::Kind::graph: return "molecular graphs";
  }
  return "?";
}

std::int64_t PropertyModel::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : module()->parameters()) n += p.numel();
  return n;
}

namespace {
// LibTorch 1.13's clone() takes c10::optional, a separate type from std::optional.
c10::optional<torch::Device> to_c10(const std::optional<torch::Device>& device) {
  return device ? c10::optional<torch::Device>(*device) : c10::nullopt;
}
}  // namespace

// ---- fp_mlp ----

torch::Tensor FingerprintMLPModel::forward(const ModelInput& in) {
  HITFORGE_REQUIRE(!in.extra_features.defined(), "fp_mlp takes no extra molecule features (concatenate them into ",
                   "the dense input instead)");
  switch (in.kind) {
    case ModelInput::Kind::dense: return net_->forward(in.dense);
    case ModelInput::Kind::sparse: return net_->forward_sparse(in.indices, in.offsets);
    case ModelInput::Kind::graph: break;
  }
  throw core::UsageError("fp_mlp takes fingerprints or descriptors, not molecular graphs (use dmpnn for graphs)");
}

nlohmann::json FingerprintMLPModel::to_json() const { return fingerprint_mlp_options_to_json(net_->options); }

ModelInput::Kind FingerprintMLPModel::preferred_input() const {
  return net_->options.sparse_input() ? ModelInput::Kind::sparse : ModelInput::Kind::dense;
}

std::shared_ptr<PropertyModel> FingerprintMLPModel::clone(const std::optional<torch::Device>& device) const {
  auto copy = std::dynamic_pointer_cast<FingerprintMLPImpl>(net_->clone(to_c10(device)));
  HITFORGE_CHECK(copy != nullptr, "clone returned another module type");
  return std::make_shared<FingerprintMLPModel>(FingerprintMLP(copy));
}

// ---- dmpnn ----

torch::Tensor DMPNNModel::forward(const ModelInput& in) {
  HITFORGE_REQUIRE(in.kind == ModelInput::Kind::graph, "dmpnn takes molecular graphs, not ", to_string(in.kind),
                   " (use the graph featuriser, or fp_mlp for fingerprints)");
  return net_->forward(in.graph, in.extra_features);
}

nlohmann::json DMPNNModel::to_json() const { return dmpnn_options_to_json(net_->options); }

std::shared_ptr<PropertyModel> DMPNNModel::clone(const std::optional<torch::Device>& device) const {
  auto copy = std::dynamic_pointer_cast<DMPNNImpl>(net_->clone(to_c10(device)));
  HITFORGE_CHECK(copy != nullptr, "clone returned another module type");
  return std::make_shared<DMPNNModel>(DMPNN(copy));
}

}  // namespace hitforge::models
