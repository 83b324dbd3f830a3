#pragma once
// "rdkit2d": RDKit's 2D molecular descriptors as one dense_f32 row. No parameters.
//
// Columns, in this order (names as RDKit spells them; column_names() gives the exact list for the linked RDKit):
//   1. every descriptor RDKit::Descriptors::Properties::getAvailableProperties() registers (43 in RDKit 2022.09):
//      exactmw, amw, lipinskiHBA/HBD, NumRotatableBonds, NumHBD/HBA, NumHeavyAtoms, NumAtoms, NumHeteroatoms,
//      NumAmideBonds, FractionCSP3, ring counts (NumRings ... NumAliphaticHeterocycles), NumSpiroAtoms,
//      NumBridgeheadAtoms, NumAtomStereoCenters, NumUnspecifiedAtomStereoCenters, labuteASA, tpsa, CrippenClogP,
//      CrippenMR, chi0v..chi4v, chi0n..chi4n, hallKierAlpha, kappa1..kappa3, Phi;
//   2. the carbocycle counts RDKit computes but does not register (NumAromaticCarbocycles, NumSaturatedCarbocycles,
//      NumAliphaticCarbocycles), unless a newer RDKit registers them already;
//   3. MQN1..MQN42 (molecular quantum numbers, Nguyen et al. 2009);
//   4. PEOE_VSA1..14, SMR_VSA1..10, SlogP_VSA1..12 (MOE-type VSA bins, RDKit's default bin edges);
//   5. BCUT2D_MWHI, BCUT2D_MWLOW, BCUT2D_CHGHI, BCUT2D_CHGLO, BCUT2D_LOGPHI, BCUT2D_LOGPLOW, BCUT2D_MRHI, BCUT2D_MRLOW
//      (only when RDKit was built with Eigen, as Debian's is);
//   6. AUTOCORR2D_1..AUTOCORR2D_192 (2D Moreau-Broto autocorrelations).
// 324 columns with RDKit 2022.09. All are topological (no conformer, no randomness), so values are deterministic.
// Units as RDKit's: masses in g/mol (amw) or Da (exactmw), areas in Å².
// NaN where RDKit cannot compute a value (e.g. BCUT2D for atoms without Gasteiger parameters such as Na or Fe) or
// returns a non-finite one; one failing family never spoils the others.
//
// Works on a private copy of the molecule (RDKit caches descriptor values and Gasteiger charges on the molecule it is
// given), so the caller's molecule is untouched and compute() is safe to call concurrently, even on one molecule.
#include <memory>

#include "chem/featurizers/featurizer.h"

namespace hitforge::chem {

class RDKit2DFeaturizer final : public Featurizer {
 public:
  RDKit2DFeaturizer();
  ~RDKit2DFeaturizer() override;

  std::string name() const override { return "rdkit2d"; }
  std::string spec() const override { return "rdkit2d"; }
  FeatureKind kind() const override { return FeatureKind::dense_f32; }
  std::size_t width() const override { return names_.size(); }
  std::vector<std::string> column_names() const override { return names_; }
  void compute(const RDKit::ROMol& mol, std::uint8_t* row) const override;

  /// The same values in double precision, [width()] in column order.
  std::vector<double> compute_values(const RDKit::ROMol& mol) const;

 private:
  struct Impl;
  std::unique_ptr<const Impl> impl_;
  std::vector<std::string> names_;
};

}  // namespace hitforge::chem
