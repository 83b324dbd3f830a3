#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/graph_batch.h"
#include "model_test_util.h"

using hitforge::core::MolGraph;
using hitforge::models::GraphBatch;

namespace {

std::vector<std::int64_t> as_vec(const torch::Tensor& t) {
  auto c = t.contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

// Propane-like chain 0-1-2, atom features {10a, 10a+1}, bond features {100+k}.
MolGraph chain3() {
  MolGraph g;
  g.n_atoms = 3;
  g.n_bonds = 2;
  g.atom_features = {0, 1, 10, 11, 20, 21};
  g.bond_features = {100, 101};
  g.bond_atoms = {0, 1, 2, 1};
  return g;
}

void check_involution(const GraphBatch& b) {
  const auto src = as_vec(b.bond_src), dst = as_vec(b.bond_dst), rev = as_vec(b.bond_rev);
  for (std::size_t i = 0; i < rev.size(); ++i) {
    REQUIRE(rev[rev[i]] == static_cast<std::int64_t>(i));
    REQUIRE(rev[i] != static_cast<std::int64_t>(i));
    REQUIRE(src[rev[i]] == dst[i]);
    REQUIRE(dst[rev[i]] == src[i]);
  }
}

}  // namespace

TEST_CASE("GraphBatch of one 3-atom molecule has directed bonds, reverses and source-atom features", "[models]") {
  const MolGraph g = chain3();
  const GraphBatch b = GraphBatch::build({&g}, 2, 1);
  REQUIRE(b.n_mols == 1);
  REQUIRE(b.atom_features.sizes() == torch::IntArrayRef({3, 2}));
  REQUIRE(b.bond_features.sizes() == torch::IntArrayRef({4, 3}));
  REQUIRE(b.bond_features.scalar_type() == torch::kFloat32);
  REQUIRE(b.bond_src.scalar_type() == torch::kInt64);
  CHECK(as_vec(b.bond_src) == std::vector<std::int64_t>{0, 1, 2, 1});
  CHECK(as_vec(b.bond_dst) == std::vector<std::int64_t>{1, 0, 1, 2});
  CHECK(as_vec(b.bond_rev) == std::vector<std::int64_t>{1, 0, 3, 2});
  CHECK(as_vec(b.atom_mol) == std::vector<std::int64_t>{0, 0, 0});
  CHECK(as_vec(b.mol_atom_counts) == std::vector<std::int64_t>{3});
  const auto expected = torch::tensor({0.f, 1.f, 100.f, 10.f, 11.f, 100.f, 20.f, 21.f, 101.f, 10.f, 11.f, 101.f})
                            .view({4, 3});
  CHECK(torch::equal(b.bond_features, expected));
  CHECK(torch::equal(b.atom_features, torch::tensor({0.f, 1.f, 10.f, 11.f, 20.f, 21.f}).view({3, 2})));
  check_involution(b);
}

TEST_CASE("GraphBatch offsets molecules and keeps empty ones, bondless ones and null pointers", "[models]") {
  std::mt19937 rng(5);
  const MolGraph a = chain3();
  MolGraph empty;
  MolGraph single;  // one atom, no bonds
  single.n_atoms = 1;
  single.atom_features = {7, 8};
  MolGraph c = hitforge::testing::random_graph(rng, 6, 2, 1, 2);
  const GraphBatch b = GraphBatch::build({&a, &empty, &single, nullptr, &c}, 2, 1);
  REQUIRE(b.n_mols == 5);
  REQUIRE(b.n_atoms() == 3 + 0 + 1 + 0 + 6);
  REQUIRE(b.n_directed_bonds() == 2 * (2 + c.n_bonds));
  CHECK(as_vec(b.mol_atom_counts) == std::vector<std::int64_t>{3, 0, 1, 0, 6});
  CHECK(as_vec(b.atom_mol) == std::vector<std::int64_t>{0, 0, 0, 2, 4, 4, 4, 4, 4, 4});
  check_involution(b);
  // Bonds of the last molecule point at its atoms (batch indices 4..9) and carry their source atom's features.
  const auto src = as_vec(b.bond_src), dst = as_vec(b.bond_dst);
  for (std::size_t i = 4; i < src.size(); ++i) {
    CHECK(src[i] >= 4);
    CHECK(dst[i] >= 4);
    CHECK(torch::equal(b.bond_features[i].slice(0, 0, 2), b.atom_features[src[i]]));
  }
  CHECK(torch::equal(b.atom_features[3], torch::tensor({7.f, 8.f})));

  const GraphBatch moved = b.to(torch::kCPU);
  CHECK(torch::equal(moved.bond_rev, b.bond_rev));
  CHECK(moved.n_mols == 5);
}

TEST_CASE("GraphBatch of no molecules or only empty ones has zero-row tensors", "[models]") {
  const GraphBatch none = GraphBatch::build(std::vector<const MolGraph*>{}, 4, 3);
  CHECK(none.n_mols == 0);
  CHECK(none.atom_features.sizes() == torch::IntArrayRef({0, 4}));
  CHECK(none.bond_features.sizes() == torch::IntArrayRef({0, 7}));
  MolGraph empty;
  const GraphBatch two = GraphBatch::build({&empty, &empty}, 4, 3);
  CHECK(two.n_mols == 2);
  CHECK(two.n_atoms() == 0);
  CHECK(as_vec(two.mol_atom_counts) == std::vector<std::int64_t>{0, 0});
}

TEST_CASE("GraphBatch rejects graphs that disagree with their counts or dims", "[models]") {
  MolGraph g = chain3();
  CHECK_THROWS_AS(GraphBatch::build({&g}, 3, 1), hitforge::core::UsageError);  // wrong atom_dim
  CHECK_THROWS_AS(GraphBatch::build({&g}, 2, 2), hitforge::core::UsageError);  // wrong bond_dim
  g.bond_atoms[3] = 3;                                                          // atom outside the molecule
  CHECK_THROWS_WITH(GraphBatch::build({&g}, 2, 1), Catch::Contains("molecule 0") && Catch::Contains("atom 3"));
  MolGraph h = chain3();
  h.bond_atoms.pop_back();
  CHECK_THROWS_AS(GraphBatch::build({&h}, 2, 1), hitforge::core::UsageError);
}
