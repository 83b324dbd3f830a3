#include "models/dmpnn.h"

#include <torch/torch.h>

#include "core/error.h"
#include "models/graph_ops.h"

namespace hitforge::models {

Aggregation parse_aggregation(const std::string& name) {
  if (name == "mean") return Aggregation::mean;
  if (name == "sum") return Aggregation::sum;
  if (name == "norm") return Aggregation::norm;
  throw core::UsageError("unknown aggregation '" + name + "' (known: mean, sum, norm)");
}

DMPNNImpl::DMPNNImpl(DMPNNOptions options_) : options(std::move(options_)) { reset(); }

void DMPNNImpl::reset() {
  const auto& o = options;
  HITFORGE_REQUIRE(o.atom_dim() > 0 && o.bond_dim() > 0, "dmpnn: atom_dim and bond_dim must be positive (got ",
                   o.atom_dim(), ", ", o.bond_dim(), ")");
  HITFORGE_REQUIRE(o.n_tasks() > 0, "dmpnn: n_tasks must be positive (got ", o.n_tasks(), ")");
  HITFORGE_REQUIRE(o.hidden() > 0, "dmpnn: hidden must be positive (got ", o.hidden(), ")");
  HITFORGE_REQUIRE(o.depth() >= 1, "dmpnn: depth must be at least 1 (got ", o.depth(), ")");
  HITFORGE_REQUIRE(o.dropout() >= 0.0 && o.dropout() < 1.0, "dmpnn: dropout must be in [0, 1) (got ", o.dropout(),
                   ")");
  HITFORGE_REQUIRE(o.aggregation_norm() > 0.0, "dmpnn: aggregation_norm must be positive (got ",
                   o.aggregation_norm(), ")");
  HITFORGE_REQUIRE(o.extra_features_dim() >= 0, "dmpnn: extra_features_dim must be >= 0 (got ",
                   o.extra_features_dim(), ")");
  HITFORGE_REQUIRE(o.ffn_layers() >= 1, "dmpnn: ffn_layers must be at least 1 (got ", o.ffn_layers(), ")");
  HITFORGE_REQUIRE(o.ffn_hidden() > 0, "dmpnn: ffn_hidden must be positive (got ", o.ffn_hidden(), ")");
  aggregation_ = parse_aggregation(o.aggregation());

  using torch::nn::Linear;
  using torch::nn::LinearOptions;
  W_i = register_module("W_i", Linear(LinearOptions(o.atom_dim() + o.bond_dim(), o.hidden()).bias(o.bias())));
  // With depth 1 there is no update step; an unused W_h would only collect no gradients.
  if (o.depth() > 1) W_h = register_module("W_h", Linear(LinearOptions(o.hidden(), o.hidden()).bias(o.bias())));
  W_o = register_module("W_o", Linear(o.atom_dim() + o.hidden(), o.hidden()));
  if (o.batch_norm()) norm = register_module("norm", torch::nn::BatchNorm1d(o.hidden()));
  ffn = register_module("ffn", torch::nn::ModuleList());
  std::int64_t in = o.hidden() + o.extra_features_dim();
  for (std::int64_t l = 0; l + 1 < o.ffn_layers(); ++l, in = o.ffn_hidden()) ffn->push_back(Linear(in, o.ffn_hidden()));
  ffn->push_back(Linear(in, o.n_tasks()));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
  // Xavier-normal weights and zero biases: the initialisation behind the published D-MPNN results.
  // (Linear layers only: batch norm keeps its unit scale.)
  torch::NoGradGuard ng;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* lin = m->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_normal_(lin->weight);
      if (lin->bias.defined()) torch::nn::init::zeros_(lin->bias);
    }
  }
}

torch::Tensor DMPNNImpl::encode(const GraphBatch& b) {
  const auto& o = options;
  TORCH_CHECK(b.atom_dim == o.atom_dim() && b.bond_dim == o.bond_dim(), "dmpnn: graph batch has atom/bond dims ",
              b.atom_dim, "/", b.bond_dim, ", model expects ", o.atom_dim(), "/", o.bond_dim());
  TORCH_CHECK(b.atom_features.defined() && b.bond_features.size(1) == o.atom_dim() + o.bond_dim(),
              "dmpnn: malformed graph batch");
  const std::int64_t n_atoms = b.n_atoms(), hidden = o.hidden();
  // Sums of bond states into their destination atoms: [2B, hidden] -> [A, hidden].
  // Inference (no grad, CPU) takes models/graph_ops.h's loops: the same sums in the same order, less overhead.
  const auto into_atoms = [&](const torch::Tensor& h) {
    if (graph_ops_apply(h)) return sum_rows_into(h, b.bond_dst, n_atoms);
    return torch::zeros({n_atoms, hidden}, h.options()).index_add_(0, b.bond_dst, h);
  };
  // In-place ops and addmm below keep the number of [2B, hidden] temporaries per step at three: on a fresh
  // allocation each costs page faults comparable to the arithmetic (autograd allows every one of them).
  // Atom and bond feature rows repeat: inference multiplies W_i and W_o's atom half with the distinct rows only
  // (repeated_rows_linear; undefined where it does not apply).
  torch::Tensor input = repeated_rows_linear(b.bond_features, W_i->weight, W_i->bias);  // [2B, hidden], pre-activation
  if (!input.defined()) input = W_i->forward(b.bond_features);
  torch::Tensor h = torch::relu(input);
  for (std::int64_t t = 1; t < o.depth(); ++t) {
    torch::Tensor m = graph_ops_apply(h)  // [2B, hidden]
                          ? directed_messages(into_atoms(h), h, b.bond_src, b.bond_rev)
                          : into_atoms(h).index_select(0, b.bond_src).sub_(h.index_select(0, b.bond_rev));
    h = torch::addmm(input, m, W_h->weight.t());  // W_i x + W_h m
    if (W_h->bias.defined()) h.add_(W_h->bias);
    h = dropout->forward(h.relu_());
  }
  // Under bf16 autocast the sums are bf16 and W_o casts its input to bf16 anyway: concatenating in their dtype gives
  // the same values without an fp32 [A, atom_dim + hidden] copy. Split, W_o is the atom features' product with
  // their half plus addmm of the sums with the other half.
  const torch::Tensor sums = into_atoms(h);
  torch::Tensor atom_h = repeated_rows_linear(b.atom_features, W_o->weight.narrow(1, 0, o.atom_dim()), W_o->bias);
  if (atom_h.defined()) {
    atom_h = torch::addmm(atom_h, sums, W_o->weight.narrow(1, o.atom_dim(), hidden).t());  // + W_o's hidden half
  } else {
    atom_h = W_o->forward(torch::cat({b.atom_features.to(sums.scalar_type()), sums}, 1));
  }
  atom_h = dropout->forward(atom_h.relu_());  // [A, hidden]

  torch::Tensor mol = graph_ops_apply(atom_h)
                          ? sum_rows_into(atom_h, b.atom_mol, b.n_mols)
                          : torch::zeros({b.n_mols, hidden}, atom_h.options()).index_add(0, b.atom_mol, atom_h);
  switch (aggregation_) {
    case Aggregation::sum: break;
    case Aggregation::mean:
      mol = mol / b.mol_atom_counts.clamp_min(1).to(mol.scalar_type()).unsqueeze(1);
      break;
    case Aggregation::norm: mol = mol / o.aggregation_norm(); break;
  }
  return mol;
}

torch::Tensor DMPNNImpl::forward(const GraphBatch& b, const torch::Tensor& extra_features) {
  const auto& o = options;
  torch::Tensor x = encode(b);
  if (norm) x = norm->forward(x);
  if (o.extra_features_dim() > 0) {
    TORCH_CHECK(extra_features.defined() && extra_features.dim() == 2 && extra_features.size(0) == b.n_mols &&
                    extra_features.size(1) == o.extra_features_dim(),
                "dmpnn: expected extra features [", b.n_mols, ", ", o.extra_features_dim(), "]",
                extra_features.defined() ? "" : ", got none");
    x = torch::cat({x, extra_features.to(x.scalar_type())}, 1);
  } else {
    TORCH_CHECK(!extra_features.defined(), "dmpnn: extra features given to a model built with extra_features_dim 0");
  }
  const std::size_t n = ffn->size();
  for (std::size_t l = 0; l < n; ++l) {
    x = ffn[l]->as<torch::nn::Linear>()->forward(dropout->forward(x));
    if (l + 1 < n) x = torch::relu(x);
  }
  return x;
}

void DMPNNImpl::pretty_print(std::ostream& stream) const {
  const auto& o = options;
  stream << "hitforge::models::DMPNN(atom_dim=" << o.atom_dim() << ", bond_dim=" << o.bond_dim()
         << ", hidden=" << o.hidden() << ", depth=" << o.depth() << ", aggregation=" << o.aggregation()
         << ", extra_features_dim=" << o.extra_features_dim() << ", batch_norm=" << (o.batch_norm() ? "true" : "false")
         << ", ffn_hidden=" << o.ffn_hidden() << ", ffn_layers=" << o.ffn_layers() << ", n_tasks=" << o.n_tasks()
         << ")";
}

}  // namespace hitforge::models
