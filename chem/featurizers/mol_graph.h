#pragma once
// Plain (RDKit-free, torch-free) molecular graph as produced by the graph featuriser and stored ragged in HDF5.
// models/ turns batches of these into tensors (directed bonds for D-MPNN are derived there).
#include <cstdint>
#include <vector>

namespace hitforge::chem {

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

}  // namespace hitforge::chem
