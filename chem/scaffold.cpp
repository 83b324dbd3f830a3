#include "chem/scaffold.h"

#include <memory>

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

namespace hitforge::chem {
namespace {

// Same atom/bond rewrite as RDKit Python's MurckoScaffold.MakeScaffoldGeneric (explicit H atoms stay hydrogen and are
// then removed). Python re-sanitises here and raises a valence error when a hypervalent ring atom (P(V), a metal
// with four ring bonds) becomes carbon; we skip sanitisation instead, so every molecule gets a framework (a split must
// not drop it), and the SMILES is the same as Python's wherever Python succeeds (checked in test_scaffold.cpp).
void make_generic(RDKit::RWMol& mol) {
  for (RDKit::Atom* atom : mol.atoms()) {
    if (atom->getAtomicNum() != 1) {
      atom->setAtomicNum(6);
    }
    atom->setIsAromatic(false);
    atom->setFormalCharge(0);
    atom->setChiralTag(RDKit::Atom::CHI_UNSPECIFIED);
    atom->setNoImplicit(false);
    atom->setNumExplicitHs(0);
  }
  for (RDKit::Bond* bond : mol.bonds()) {
    bond->setBondType(RDKit::Bond::SINGLE);
    bond->setIsAromatic(false);
  }
  RDKit::MolOps::removeHs(mol, /*implicitOnly=*/false, /*updateExplicitCount=*/false, /*sanitize=*/false);
  mol.updatePropertyCache(/*strict=*/false);
  RDKit::MolOps::symmetrizeSSSR(mol);
}

}  // namespace

ScaffoldResult murcko_scaffold(const RDKit::ROMol& mol, const ScaffoldParams& params) {
  ScaffoldResult result;
  try {
    std::unique_ptr<RDKit::ROMol> core(RDKit::MurckoDecompose(mol));
    if (!core) {
      result.reason = "Murcko decomposition returned no molecule";
      return result;
    }
    if (core->getNumAtoms() == 0) {  // acyclic: no scaffold
      result.ok = true;
      return result;
    }
    RDKit::RWMol scaffold(*core);
    // Mirrors GetScaffoldForMol: drop properties computed on the parent, recompute valences and ring info.
    scaffold.clearComputedProps();
    scaffold.updatePropertyCache(true);
    RDKit::MolOps::symmetrizeSSSR(scaffold);
    if (params.generic) {
      make_generic(scaffold);
    }
    result.smiles = RDKit::MolToSmiles(scaffold, params.include_chirality);
    result.ok = true;
  } catch (const std::exception& e) {
    result.smiles.clear();
    result.reason = std::string("scaffold: ") + e.what();
  } catch (...) {
    result.smiles.clear();
    result.reason = "scaffold: unknown error";
  }
  return result;
}

}  // namespace hitforge::chem
