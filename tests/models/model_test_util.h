#pragma once
// Random molecular graphs and fingerprints for the models tests (deterministic for a given seed).
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "core/mol_graph.h"

namespace hitforge::testing {

/// A connected random graph: a random tree plus `extra_bonds` ring-closing bonds; features uniform in [0, 1).
inline core::MolGraph random_graph(std::mt19937& rng, int n_atoms, int atom_dim, int bond_dim, int extra_bonds = 1) {
  core::MolGraph g;
  g.n_atoms = n_atoms;
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  g.atom_features.resize(static_cast<std::size_t>(n_atoms) * atom_dim);
  for (auto& v : g.atom_features) v = u(rng);
  std::set<std::pair<int, int>> seen;
  auto add = [&](int a, int b) {
    if (a == b || !seen.insert({std::min(a, b), std::max(a, b)}).second) return;
    g.bond_atoms.push_back(a);
    g.bond_atoms.push_back(b);
    for (int k = 0; k < bond_dim; ++k) g.bond_features.push_back(u(rng));
    ++g.n_bonds;
  };
  for (int i = 1; i < n_atoms; ++i) add(std::uniform_int_distribution<int>(0, i - 1)(rng), i);
  for (int e = 0; e < extra_bonds && n_atoms > 2; ++e) {
    std::uniform_int_distribution<int> pick(0, n_atoms - 1);
    add(pick(rng), pick(rng));
  }
  return g;
}

/// The same molecule with atoms renumbered (new index perm[old]), bonds in another order and some reversed.
inline core::MolGraph permuted_graph(const core::MolGraph& g, std::mt19937& rng, int atom_dim, int bond_dim) {
  std::vector<int> perm(g.n_atoms), bond_order(g.n_bonds);
  std::iota(perm.begin(), perm.end(), 0);
  std::iota(bond_order.begin(), bond_order.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::shuffle(bond_order.begin(), bond_order.end(), rng);
  core::MolGraph p;
  p.n_atoms = g.n_atoms;
  p.n_bonds = g.n_bonds;
  p.atom_features.resize(g.atom_features.size());
  for (int i = 0; i < g.n_atoms; ++i)
    std::copy_n(g.atom_features.begin() + static_cast<std::ptrdiff_t>(i) * atom_dim, atom_dim,
                p.atom_features.begin() + static_cast<std::ptrdiff_t>(perm[i]) * atom_dim);
  for (int k : bond_order) {
    int a = perm[g.bond_atoms[2 * k]], b = perm[g.bond_atoms[2 * k + 1]];
    if (rng() & 1) std::swap(a, b);
    p.bond_atoms.push_back(a);
    p.bond_atoms.push_back(b);
    p.bond_features.insert(p.bond_features.end(), g.bond_features.begin() + static_cast<std::ptrdiff_t>(k) * bond_dim,
                           g.bond_features.begin() + static_cast<std::ptrdiff_t>(k + 1) * bond_dim);
  }
  return p;
}

inline std::vector<core::MolGraph> random_graphs(std::mt19937& rng, int n, int atom_dim, int bond_dim,
                                                 int min_atoms = 3, int max_atoms = 12) {
  std::vector<core::MolGraph> out;
  for (int i = 0; i < n; ++i)
    out.push_back(random_graph(rng, std::uniform_int_distribution<int>(min_atoms, max_atoms)(rng), atom_dim, bond_dim));
  return out;
}

}  // namespace hitforge::testing
