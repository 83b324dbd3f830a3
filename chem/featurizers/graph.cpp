#include "chem/featurizers/graph.h"

#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RingInfo.h>

#include <iterator>
#include <memory>

#include "core/error.h"

namespace hitforge::chem {

namespace {

// One-hot block sizes, each including its trailing "other" slot.
constexpr int kAtomicNum = 101, kDegree = 7, kCharge = 6, kChiral = 5, kNumHs = 6, kHybrid = 6;
constexpr int kAtomSize = kAtomicNum + kDegree + kCharge + kChiral + kNumHs + kHybrid + 2;
constexpr int kBondType = 5, kStereo = 7;
constexpr int kBondSize = kBondType + 2 + kStereo;
static_assert(kAtomSize == 133 && kBondSize == 14, "layout documented in graph.h");

// The values each one-hot block names, in slot order; anything else goes to the block's trailing "other" slot.
constexpr RDKit::Atom::ChiralType kChiralTags[] = {RDKit::Atom::CHI_UNSPECIFIED, RDKit::Atom::CHI_TETRAHEDRAL_CW,
                                                   RDKit::Atom::CHI_TETRAHEDRAL_CCW, RDKit::Atom::CHI_OTHER};
constexpr RDKit::Atom::HybridizationType kHybridisations[] = {RDKit::Atom::SP, RDKit::Atom::SP2, RDKit::Atom::SP3,
                                                              RDKit::Atom::SP3D, RDKit::Atom::SP3D2};
constexpr RDKit::Bond::BondType kBondTypes[] = {RDKit::Bond::SINGLE, RDKit::Bond::DOUBLE, RDKit::Bond::TRIPLE,
                                                RDKit::Bond::AROMATIC};
constexpr RDKit::Bond::BondStereo kStereos[] = {RDKit::Bond::STEREONONE, RDKit::Bond::STEREOANY,
                                                RDKit::Bond::STEREOZ,    RDKit::Bond::STEREOE,
                                                RDKit::Bond::STEREOCIS,  RDKit::Bond::STEREOTRANS};
static_assert(std::size(kChiralTags) + 1 == kChiral && std::size(kHybridisations) + 1 == kHybrid &&
                  std::size(kBondTypes) + 1 == kBondType && std::size(kStereos) + 1 == kStereo,
              "every one-hot block is its values plus one other slot");

template <class T, std::size_t N>
int index_of(T value, const T (&values)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (values[i] == value) return static_cast<int>(i);
  return -1;
}

// Sets slot `index` of the one-hot block of `size` slots at `block`, or its last ("other") slot when out of range.
void one_hot(float* block, int size, int index) {
  block[(index >= 0 && index < size - 1) ? index : size - 1] = 1.0f;
}

void atom_features(const RDKit::Atom& atom, float* f) {
  const int z = static_cast<int>(atom.getAtomicNum());
  one_hot(f, kAtomicNum, z >= 1 ? z - 1 : -1);
  f += kAtomicNum;
  one_hot(f, kDegree, static_cast<int>(atom.getTotalDegree()));
  f += kDegree;
  one_hot(f, kCharge, atom.getFormalCharge() + 2);
  f += kCharge;
  one_hot(f, kChiral, index_of(atom.getChiralTag(), kChiralTags));
  f += kChiral;
  one_hot(f, kNumHs, static_cast<int>(atom.getTotalNumHs()));
  f += kNumHs;
  one_hot(f, kHybrid, index_of(atom.getHybridization(), kHybridisations));
  f += kHybrid;
  f[0] = atom.getIsAromatic() ? 1.0f : 0.0f;
  f[1] = static_cast<float>(atom.getMass() * 0.01);
}

void bond_features(const RDKit::Bond& bond, const RDKit::RingInfo& rings, float* f) {
  one_hot(f, kBondType, index_of(bond.getBondType(), kBondTypes));
  f += kBondType;
  f[0] = bond.getIsConjugated() ? 1.0f : 0.0f;
  f[1] = rings.numBondRings(bond.getIdx()) > 0 ? 1.0f : 0.0f;
  f += 2;
  one_hot(f, kStereo, index_of(bond.getStereo(), kStereos));
}

}  // namespace

std::size_t atom_feature_size() {
  return kAtomSize;
}
std::size_t bond_feature_size() {
  return kBondSize;
}

void GraphFeaturizer::compute_graph(const RDKit::ROMol& mol_in, MolGraph& out) const {
  out.clear();
  // Ring membership needs ring info; a sanitised molecule has it. Otherwise find rings on a private copy rather
  // than writing to the caller's molecule.
  std::unique_ptr<RDKit::ROMol> copy;
  const RDKit::ROMol* mol = &mol_in;
  if (!mol_in.getRingInfo()->isInitialized()) {
    copy = std::make_unique<RDKit::ROMol>(mol_in);
    RDKit::MolOps::findSSSR(*copy);
    mol = copy.get();
  }
  const auto n_atoms = mol->getNumAtoms();
  const auto n_bonds = mol->getNumBonds();
  out.n_atoms = static_cast<std::int32_t>(n_atoms);
  out.n_bonds = static_cast<std::int32_t>(n_bonds);
  out.atom_features.assign(static_cast<std::size_t>(n_atoms) * kAtomSize, 0.0f);
  out.bond_features.assign(static_cast<std::size_t>(n_bonds) * kBondSize, 0.0f);
  out.bond_atoms.resize(static_cast<std::size_t>(n_bonds) * 2);
  for (const auto* atom : mol->atoms())
    atom_features(*atom, out.atom_features.data() + static_cast<std::size_t>(atom->getIdx()) * kAtomSize);
  const RDKit::RingInfo& rings = *mol->getRingInfo();
  for (const auto* bond : mol->bonds()) {
    const std::size_t i = bond->getIdx();
    bond_features(*bond, rings, out.bond_features.data() + i * kBondSize);
    out.bond_atoms[2 * i] = static_cast<std::int32_t>(bond->getBeginAtomIdx());
    out.bond_atoms[2 * i + 1] = static_cast<std::int32_t>(bond->getEndAtomIdx());
  }
}

}  // namespace hitforge::chem
