#include "models/graph_batch.h"

#include <cstring>

#include <torch/torch.h>

#include "core/error.h"

namespace hitforge::models {

namespace {

void check_graph(const core::MolGraph& g, std::size_t index, std::int64_t atom_dim, std::int64_t bond_dim) {
  HITFORGE_REQUIRE(g.n_atoms >= 0 && g.n_bonds >= 0, "graph batch: molecule ", index, " has negative counts");
  HITFORGE_REQUIRE(g.atom_features.size() == static_cast<std::size_t>(g.n_atoms) * atom_dim, "graph batch: molecule ",
                   index, " has ", g.atom_features.size(), " atom feature values, expected ", g.n_atoms, " x ",
                   atom_dim);
  HITFORGE_REQUIRE(g.bond_features.size() == static_cast<std::size_t>(g.n_bonds) * bond_dim, "graph batch: molecule ",
                   index, " has ", g.bond_features.size(), " bond feature values, expected ", g.n_bonds, " x ",
                   bond_dim);
  HITFORGE_REQUIRE(g.bond_atoms.size() == static_cast<std::size_t>(g.n_bonds) * 2, "graph batch: molecule ", index,
                   " has ", g.bond_atoms.size(), " bond atom indices, expected ", g.n_bonds, " x 2");
  for (std::int32_t v : g.bond_atoms)
    HITFORGE_REQUIRE(v >= 0 && v < g.n_atoms, "graph batch: molecule ", index, " has a bond to atom ", v,
                     " outside 0..", g.n_atoms - 1);
}

}  // namespace

GraphBatch GraphBatch::build(const std::vector<const core::MolGraph*>& graphs, std::int64_t atom_dim,
                             std::int64_t bond_dim) {
  HITFORGE_REQUIRE(atom_dim > 0 && bond_dim > 0, "graph batch: atom_dim and bond_dim must be positive (got ",
                   atom_dim, ", ", bond_dim, ")");
  std::int64_t total_atoms = 0, total_bonds = 0;
  for (std::size_t m = 0; m < graphs.size(); ++m) {
    if (!graphs[m]) continue;
    check_graph(*graphs[m], m, atom_dim, bond_dim);
    total_atoms += graphs[m]->n_atoms;
    total_bonds += graphs[m]->n_bonds;
  }

  const std::int64_t n_mols = static_cast<std::int64_t>(graphs.size());
  const std::int64_t in_dim = atom_dim + bond_dim;
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  GraphBatch b;
  b.n_mols = n_mols;
  b.atom_dim = atom_dim;
  b.bond_dim = bond_dim;
  b.atom_features = torch::empty({total_atoms, atom_dim}, f32);
  b.bond_features = torch::empty({2 * total_bonds, in_dim}, f32);
  b.bond_src = torch::empty({2 * total_bonds}, i64);
  b.bond_dst = torch::empty({2 * total_bonds}, i64);
  b.bond_rev = torch::empty({2 * total_bonds}, i64);
  b.atom_mol = torch::empty({total_atoms}, i64);
  b.mol_atom_counts = torch::empty({n_mols}, i64);

  float* atom_out = b.atom_features.data_ptr<float>();
  float* bond_out = b.bond_features.data_ptr<float>();
  std::int64_t* src = b.bond_src.data_ptr<std::int64_t>();
  std::int64_t* dst = b.bond_dst.data_ptr<std::int64_t>();
  std::int64_t* rev = b.bond_rev.data_ptr<std::int64_t>();
  std::int64_t* mol = b.atom_mol.data_ptr<std::int64_t>();
  std::int64_t* counts = b.mol_atom_counts.data_ptr<std::int64_t>();
  const std::size_t atom_bytes = sizeof(float) * atom_dim;
  const std::size_t bond_bytes = sizeof(float) * bond_dim;

  std::int64_t atom0 = 0, dbond = 0;  // first batch atom of the current molecule; next directed bond
  for (std::int64_t m = 0; m < n_mols; ++m) {
    const core::MolGraph* g = graphs[m];
    const std::int64_t na = g ? g->n_atoms : 0;
    counts[m] = na;
    if (na == 0) continue;
    std::memcpy(atom_out + atom0 * atom_dim, g->atom_features.data(), atom_bytes * na);
    std::fill(mol + atom0, mol + atom0 + na, m);
    const float* af = g->atom_features.data();
    for (std::int32_t k = 0; k < g->n_bonds; ++k, dbond += 2) {
      const std::int64_t a = g->bond_atoms[2 * k], c = g->bond_atoms[2 * k + 1];
      const float* bf = g->bond_features.data() + static_cast<std::size_t>(k) * bond_dim;
      float* row = bond_out + dbond * in_dim;
      std::memcpy(row, af + a * atom_dim, atom_bytes);  // a -> c carries a's features
      std::memcpy(row + atom_dim, bf, bond_bytes);
      std::memcpy(row + in_dim, af + c * atom_dim, atom_bytes);  // c -> a carries c's
      std::memcpy(row + in_dim + atom_dim, bf, bond_bytes);
      src[dbond] = atom0 + a;
      dst[dbond] = atom0 + c;
      src[dbond + 1] = atom0 + c;
      dst[dbond + 1] = atom0 + a;
      rev[dbond] = dbond + 1;
      rev[dbond + 1] = dbond;
    }
    atom0 += na;
  }
  HITFORGE_CHECK(atom0 == total_atoms && dbond == 2 * total_bonds, "graph batch fill disagrees with its count");
  return b;
}

GraphBatch GraphBatch::build_from_values(const std::vector<core::MolGraph>& graphs, std::int64_t atom_dim,
                                         std::int64_t bond_dim) {
  std::vector<const core::MolGraph*> ptrs;
  ptrs.reserve(graphs.size());
  for (const auto& g : graphs) ptrs.push_back(&g);
  return build(ptrs, atom_dim, bond_dim);
}

GraphBatch GraphBatch::to(const torch::Device& device, bool non_blocking) const {
  GraphBatch out = *this;
  for (torch::Tensor* t : {&out.atom_features, &out.bond_features, &out.bond_src, &out.bond_dst, &out.bond_rev,
                           &out.atom_mol, &out.mol_atom_counts})
    if (t->defined()) *t = t->to(device, non_blocking);
  return out;
}

}  // namespace hitforge::models
