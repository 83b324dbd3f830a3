#pragma once
// Bemis–Murcko scaffolds (J. Med. Chem. 1996, 39, 2887): ring systems plus the linkers between them, side chains
// removed; atoms double-bonded to a kept atom (e.g. ring C=O) stay, as in RDKit's MurckoDecompose.
//
// The default output equals RDKit Python's
//   MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)
// i.e. canonical non-isomeric SMILES of Chem.MurckoDecompose(mol) (checked on NCI molecules in
// tests/chem/test_scaffold.cpp). The generic framework equals
//   Chem.MolToSmiles(MurckoScaffold.MakeScaffoldGeneric(GetScaffoldForMol(mol)), isomericSmiles=includeChirality)
// (every heavy atom carbon, uncharged, non-aromatic; every bond single), except that where Python raises a valence
// error (a hypervalent ring atom turned carbon) we still return the framework's SMILES.
//
// Thread-safe: no shared state; call from OpenMP loops over molecules.
#include <string>

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

struct ScaffoldParams {
  bool generic = false;            ///< atom/bond-type-free framework ("C1CCC(CC2CCCC2)CC1")
  bool include_chirality = false;  ///< isomeric SMILES (stereo, isotopes) of the scaffold; off matches RDKit's default
};

struct ScaffoldResult {
  bool ok = false;
  std::string reason;  ///< why the scaffold could not be computed; empty when ok
  std::string smiles;  ///< canonical scaffold SMILES; empty (and ok) for acyclic molecules
};

/// Murcko scaffold of a sanitised molecule. Never throws for bad molecules: failures become `reason`.
ScaffoldResult murcko_scaffold(const RDKit::ROMol& mol, const ScaffoldParams& params = {});

}  // namespace hitforge::chem
