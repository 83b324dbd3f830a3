#pragma once
// Plain (RDKit-free, torch-free) molecular graph: what chem's `graph` featuriser produces, what the HDF5 dataset
// stores ragged, and what models/ batches into tensors (directed bonds for D-MPNN are derived there). It lives in
// core so that models/ never depends on chem/.
#include <cstdint>
#include <vector>

namespace hitforge::core {

struct MolGraph {
  std::int32_t n_atoms = 0;
  std::int32_t n_bonds = 0;                 ///< undirected bonds
  std::vector<float> atom_features;         ///< [n_atoms, d_atom] row-major
  std::vector<float> bond_features;         ///< [n_bonds, d_bond] row-major
  std::vector<std::int32_t> bond_atoms;     ///< [n_bonds, 2]: begin atom, end atom (0-based within the molecule)
  void clear() {
    n_atoms = n_bonds = 0;
    atom_features.clear();
    bond_features.clear();
    bond_atoms.clear();
  }
};

}  // namespace hitforge::core
