#pragma once
// "graph": molecular graph for message passing (D-MPNN), with atom and bond features in the style of chemprop v1.
// No parameters. Output: MolGraph with atom_features [n_atoms, atom_feature_size()], bond_features
// [n_bonds, bond_feature_size()], bond_atoms [n_bonds, 2] (RDKit atom and bond order; hydrogens as the molecule
// holds them, i.e. implicit for a default-parsed SMILES). width() == atom_feature_size(),
// bond_width() == bond_feature_size().
//
// Atom features (133 floats; every one-hot ends with an "other/unknown" slot):
//   [  0,101) atomic number: Z = 1..100 -> slot Z-1; anything else (dummy atom 0, Z > 100) -> slot 100
//   [101,108) total degree (heavy neighbours + all Hs, chemprop's GetTotalDegree): 0..5 -> slots 0..5, other -> 6
//   [108,114) formal charge: -2,-1,0,+1,+2 -> slots 0..4, other -> 5
//   [114,119) chiral tag: unspecified, CW, CCW, other (RDKit CHI_OTHER) -> slots 0..3, anything else -> 4
//   [119,125) total H count: 0..4 -> slots 0..4, other -> 5
//   [125,131) hybridisation: SP, SP2, SP3, SP3D, SP3D2 -> slots 0..4, other (S, unspecified, ...) -> 5
//   [131]     aromatic flag (0/1)
//   [132]     atomic mass (average isotope mass or the isotope's mass) * 0.01
// Bond features (14 floats):
//   [ 0, 5) bond type: single, double, triple, aromatic -> slots 0..3, other -> 4
//   [ 5]    conjugated (0/1)
//   [ 6]    in a ring (0/1)
//   [ 7,14) stereo: none, any, Z, E, cis, trans -> slots 0..5, other -> 6
// Reads the molecule only (needs ring info, which sanitisation sets; otherwise a private copy gets it).
#include "chem/featurizers/featurizer.h"

namespace hitforge::chem {

/// Length of one atom feature row (133).
std::size_t atom_feature_size();
/// Length of one bond feature row (14).
std::size_t bond_feature_size();

class GraphFeaturizer final : public Featurizer {
 public:
  std::string name() const override { return "graph"; }
  std::string spec() const override { return "graph"; }
  FeatureKind kind() const override { return FeatureKind::graph; }
  std::size_t width() const override { return atom_feature_size(); }
  std::size_t bond_width() const override { return bond_feature_size(); }
  void compute_graph(const RDKit::ROMol& mol, MolGraph& out) const override;
};

}  // namespace hitforge::chem
