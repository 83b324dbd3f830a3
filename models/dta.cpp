#include "models/dta.h"

#include <limits>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/model_config.h"

namespace hitforge::models {

std::string DTAOptions::ligand_encoder() const { return graph_encoder_ ? "dmpnn" : "fp_mlp"; }

std::int64_t DTAOptions::protein_receptive_field() const {
  std::int64_t r = 1;
  for (auto k : protein_kernel_sizes_) r += k - 1;
  return r;
}

DTAInput DTAInput::to(const torch::Device& device, bool non_blocking) const {
  DTAInput out;
  out.ligands = ligands.to(device, non_blocking);
  out.protein_tokens = protein_tokens.to(device, non_blocking);
  out.ligand_index = ligand_index.to(device, non_blocking);
  out.protein_index = protein_index.to(device, non_blocking);
  return out;
}

torch::Tensor DTAInput::pad_tokens(const std::vector<const std::vector<std::int32_t>*>& sequences,
                                   std::int64_t pad_id) {
  std::size_t width = 1;
  for (const auto* s : sequences)
    if (s) width = std::max(width, s->size());
  auto out = torch::full({static_cast<std::int64_t>(sequences.size()), static_cast<std::int64_t>(width)}, pad_id,
                         torch::kInt64);
  auto* p = out.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    if (!sequences[i]) continue;
    std::int64_t* row = p + i * width;
    for (std::size_t j = 0; j < sequences[i]->size(); ++j) row[j] = (*sequences[i])[j];
  }
  return out;
}

torch::Tensor DTAInput::index_tensor(const std::vector<std::int64_t>& indices) {
  return torch::tensor(torch::ArrayRef<std::int64_t>(indices), torch::kInt64);
}

DTAImpl::DTAImpl(DTAOptions options_) : options(std::move(options_)) { reset(); }

void DTAImpl::reset() {
  const auto& o = options;
  HITFORGE_REQUIRE(o.graph_encoder().has_value() != o.fingerprint_encoder().has_value(),
                   "dta: exactly one ligand encoder (graph or fingerprint) must be set");
  HITFORGE_REQUIRE(o.ligand_dim() > 0, "dta: ligand_dim must be positive (got ", o.ligand_dim(), ")");
  HITFORGE_REQUIRE(o.protein_vocab_size() > 0, "dta: protein_vocab_size must be positive (got ",
                   o.protein_vocab_size(), ")");
  HITFORGE_REQUIRE(o.pad_id() >= 0 && o.pad_id() < o.protein_vocab_size(), "dta: pad_id ", o.pad_id(),
                   " is outside the vocabulary of ", o.protein_vocab_size());
  HITFORGE_REQUIRE(o.protein_embedding_dim() > 0, "dta: protein_embedding_dim must be positive (got ",
                   o.protein_embedding_dim(), ")");
  HITFORGE_REQUIRE(!o.protein_filters().empty() && o.protein_filters().size() == o.protein_kernel_sizes().size(),
                   "dta: protein_filters and protein_kernel_sizes need the same, non-zero number of layers (got ",
                   o.protein_filters().size(), " and ", o.protein_kernel_sizes().size(), ")");
  for (std::size_t l = 0; l < o.protein_filters().size(); ++l)
    HITFORGE_REQUIRE(o.protein_filters()[l] > 0 && o.protein_kernel_sizes()[l] > 0, "dta: protein conv layer ", l,
                     " needs positive filters and kernel size (got ", o.protein_filters()[l], ", ",
                     o.protein_kernel_sizes()[l], ")");
  for (auto h : o.head_hidden()) HITFORGE_REQUIRE(h > 0, "dta: head_hidden widths must be positive (got ", h, ")");
  HITFORGE_REQUIRE(o.dropout() >= 0.0 && o.dropout() < 1.0, "dta: dropout must be in [0, 1) (got ", o.dropout(), ")");
  HITFORGE_REQUIRE(o.n_tasks() > 0, "dta: n_tasks must be positive (got ", o.n_tasks(), ")");

  // The encoder's output layer is the ligand embedding, so all of its parameters train (no unused head).
  if (o.graph_encoder()) {
    DMPNNOptions g = *o.graph_encoder();
    g.n_tasks(o.ligand_dim());
    graph_encoder = register_module("graph_encoder", DMPNN(g));
  } else {
    FingerprintMLPOptions f = *o.fingerprint_encoder();
    f.n_tasks(o.ligand_dim());
    fingerprint_encoder = register_module("fingerprint_encoder", FingerprintMLP(f));
  }
  protein_embedding = register_module(
      "protein_embedding",
      torch::nn::Embedding(
          torch::nn::EmbeddingOptions(o.protein_vocab_size(), o.protein_embedding_dim()).padding_idx(o.pad_id())));
  protein_convs = register_module("protein_convs", torch::nn::ModuleList());
  std::int64_t in = o.protein_embedding_dim();
  for (std::size_t l = 0; l < o.protein_filters().size(); ++l) {
    protein_convs->push_back(
        torch::nn::Conv1d(torch::nn::Conv1dOptions(in, o.protein_filters()[l], o.protein_kernel_sizes()[l])));
    in = o.protein_filters()[l];
  }
  head = register_module("head", torch::nn::ModuleList());
  in = o.ligand_dim() + o.protein_filters().back();
  for (auto h : o.head_hidden()) {
    head->push_back(torch::nn::Linear(in, h));
    in = h;
  }
  head->push_back(torch::nn::Linear(in, o.n_tasks()));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
}

torch::Tensor DTAImpl::encode_ligands(const ModelInput& in) {
  torch::Tensor x;
  if (graph_encoder) {
    HITFORGE_REQUIRE(in.kind == ModelInput::Kind::graph, "dta with a dmpnn ligand encoder takes molecular graphs, not ",
                     to_string(in.kind));
    x = graph_encoder->forward(in.graph, in.extra_features);
  } else {
    HITFORGE_REQUIRE(in.kind != ModelInput::Kind::graph && !in.extra_features.defined(),
                     "dta with an fp_mlp ligand encoder takes fingerprints or descriptors, not ", to_string(in.kind));
    x = in.kind == ModelInput::Kind::dense ? fingerprint_encoder->forward(in.dense)
                                           : fingerprint_encoder->forward_sparse(in.indices, in.offsets);
  }
  return torch::relu(x);
}

torch::Tensor DTAImpl::encode_proteins(const torch::Tensor& tokens) {
  const auto& o = options;
  TORCH_CHECK(tokens.dim() == 2 && tokens.scalar_type() == torch::kInt64, "dta: protein tokens must be [n, L] int64, got ",
              tokens.sizes(), " ", tokens.scalar_type());
  const std::int64_t r = o.protein_receptive_field();
  torch::Tensor t = tokens;
  if (t.size(1) < r) t = torch::constant_pad_nd(t, {0, r - t.size(1)}, o.pad_id());
  // Residues per protein (tokens are right-padded; the tokenizer never emits the pad id for a residue).
  const torch::Tensor lengths = t.ne(o.pad_id()).sum(1);
  torch::Tensor x = protein_embedding->forward(t).transpose(1, 2);  // [n, E, L]
  for (const auto& conv : *protein_convs) x = torch::relu(conv->as<torch::nn::Conv1d>()->forward(x));
  // x [n, F, L − R + 1]: keep the positions that read residues only (or position 0 for short proteins).
  const torch::Tensor valid = (lengths - (r - 1)).clamp_min(1);                          // [n]
  const torch::Tensor pos = torch::arange(x.size(2), lengths.options()).unsqueeze(0);  // [1, L']
  const torch::Tensor pad_mask = pos.ge(valid.unsqueeze(1)).unsqueeze(1);                // [n, 1, L']
  return x.masked_fill(pad_mask, -std::numeric_limits<float>::infinity()).amax(2);
}

torch::Tensor DTAImpl::forward(const DTAInput& in) {
  TORCH_CHECK(in.ligand_index.defined() && in.protein_index.defined() && in.ligand_index.dim() == 1 &&
                  in.protein_index.sizes() == in.ligand_index.sizes(),
              "dta: ligand_index and protein_index must be [B] tensors of the same length");
  const torch::Tensor lig = encode_ligands(in.ligands);
  const torch::Tensor prot = encode_proteins(in.protein_tokens);
  if (in.ligand_index.numel() > 0) {
    // One check per index tensor (a device sync), because an out-of-range index would be a device-side assert on
    // CUDA rather than a message.
    auto lo = torch::stack({in.ligand_index.min(), in.protein_index.min()}).cpu();
    auto hi = torch::stack({in.ligand_index.max() - lig.size(0), in.protein_index.max() - prot.size(0)}).cpu();
    TORCH_CHECK(lo.min().item<std::int64_t>() >= 0 && hi.max().item<std::int64_t>() < 0, "dta: ligand_index must be in [0, ",
                lig.size(0), ") and protein_index in [0, ", prot.size(0), ")");
  }
  torch::Tensor x = torch::cat({lig.index_select(0, in.ligand_index), prot.index_select(0, in.protein_index)}, 1);
  const std::size_t n = head->size();
  for (std::size_t l = 0; l + 1 < n; ++l) x = dropout->forward(torch::relu(head[l]->as<torch::nn::Linear>()->forward(x)));
  return head[n - 1]->as<torch::nn::Linear>()->forward(x);
}

void DTAImpl::pretty_print(std::ostream& stream) const {
  const auto& o = options;
  stream << "hitforge::models::DTA(ligand_encoder=" << o.ligand_encoder() << ", ligand_dim=" << o.ligand_dim()
         << ", protein_vocab_size=" << o.protein_vocab_size() << ", protein_embedding_dim="
         << o.protein_embedding_dim() << ", protein_layers=" << o.protein_filters().size()
         << ", receptive_field=" << o.protein_receptive_field() << ", head_layers=" << o.head_hidden().size() + 1
         << ", n_tasks=" << o.n_tasks() << ")";
}

nlohmann::json DTAModel::to_json() const { return dta_options_to_json(net_->options); }

ModelInput::Kind DTAModel::ligand_input() const {
  const auto& o = net_->options;
  if (o.graph_encoder()) return ModelInput::Kind::graph;
  return o.fingerprint_encoder()->sparse_input() ? ModelInput::Kind::sparse : ModelInput::Kind::dense;
}

std::shared_ptr<DTAModel> DTAModel::clone(const std::optional<torch::Device>& device) const {
  auto copy = std::dynamic_pointer_cast<DTAImpl>(
      net_->clone(device ? c10::optional<torch::Device>(*device) : c10::nullopt));
  HITFORGE_CHECK(copy != nullptr, "clone returned another module type");
  return std::make_shared<DTAModel>(DTA(copy));
}

std::int64_t DTAModel::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : net_->parameters()) n += p.numel();
  return n;
}

}  // namespace hitforge::models
