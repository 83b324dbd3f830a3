#pragma once
// A batch of molecular graphs as tensors for directed-bond message passing (D-MPNN, Yang et al. 2019).
//
// Every undirected bond k of molecule m (atoms a, b) becomes two directed bonds, adjacent in the batch:
//   2k'   : a -> b        2k'+1 : b -> a        (k' = k plus the bond offset of m)
// so bond_rev[i] == i ^ 1 — an involution (rev[rev[i]] == i, src[rev[i]] == dst[i]) by construction.
// Atoms and bonds keep the molecule order of the input, then the atom/bond order within each molecule.
// A molecule with no atoms (an invalid record, or a null pointer) occupies no rows; it still counts in n_mols and
// models give it a zero embedding. A molecule with atoms but no bonds just receives no messages.
#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "core/mol_graph.h"

namespace hitforge::models {

struct GraphBatch {
  torch::Tensor atom_features;    ///< [A, atom_dim] float32 (A = total atoms)
  torch::Tensor bond_features;    ///< [2B, atom_dim + bond_dim] float32: features of the source atom, then the bond's
  torch::Tensor bond_src;         ///< [2B] int64: source atom of each directed bond (batch atom index)
  torch::Tensor bond_dst;         ///< [2B] int64: destination atom
  torch::Tensor bond_rev;         ///< [2B] int64: index of the reverse directed bond
  torch::Tensor atom_mol;         ///< [A] int64: molecule (0..n_mols-1) of each atom, non-decreasing
  torch::Tensor mol_atom_counts;  ///< [n_mols] int64
  std::int64_t n_mols = 0;
  std::int64_t atom_dim = 0;
  std::int64_t bond_dim = 0;

  /// Builds a batch on the CPU in one pass into tensors allocated at their final size. Null pointers are empty
  /// molecules. Throws core::UsageError (naming the molecule) when a graph's arrays disagree with its counts or
  /// the dims, or a bond names an atom outside its molecule. atom_dim, bond_dim > 0.
  static GraphBatch build(const std::vector<const core::MolGraph*>& graphs, std::int64_t atom_dim,
                          std::int64_t bond_dim);
  /// The same for graphs held by value (a separate name: `build({&a, &b}, ...)` would otherwise also match
  /// vector<MolGraph>'s iterator-pair constructor).
  static GraphBatch build_from_values(const std::vector<core::MolGraph>& graphs, std::int64_t atom_dim,
                                      std::int64_t bond_dim);

  std::int64_t n_atoms() const { return atom_features.defined() ? atom_features.size(0) : 0; }
  std::int64_t n_directed_bonds() const { return bond_src.defined() ? bond_src.size(0) : 0; }
  torch::Device device() const { return atom_features.device(); }

  /// A copy with every tensor on `device` (the same tensors when already there).
  GraphBatch to(const torch::Device& device, bool non_blocking = false) const;
};

}  // namespace hitforge::models
