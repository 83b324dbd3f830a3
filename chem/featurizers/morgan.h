#pragma once
// Morgan (ECFP-like, or FCFP-like with features=1) fingerprints over a sanitised molecule.
//
//   "morgan"        packed_bits, width = bits. Bit-for-bit equal to RDKit Python
//                   AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=bits, useChirality=chiral,
//                                                         useFeatures=features)
//   "morgan_counts" counts_u8,   width = bits. Equal to AllChem.GetHashedMorganFingerprint(mol, radius, nBits=bits,
//                   useChirality=chiral, useFeatures=features), each count saturated at 255.
//
// Parameters (spec keys): radius (0..8, default 2), bits (1..1048576, default 2048), chiral (0/1, default 0),
// features (0/1, default 0: RDKit's default Donor/Acceptor/Aromatic/Halogen/Basic/Acidic feature invariants).
// Reads the molecule only (needs its ring info, which sanitisation sets); safe to call concurrently.
#include "chem/featurizers/featurizer.h"

namespace hitforge::chem {

struct MorganParams {
  int radius = 2;
  int bits = 2048;
  bool chiral = false;
  bool features = false;

  /// Reads radius/bits/chiral/features from `spec`; UsageError on an unknown key or an out-of-range value.
  static MorganParams from_spec(const FeatureSpec& spec);
};

class MorganFeaturizer final : public Featurizer {
 public:
  /// counts=false: "morgan" (packed bits); counts=true: "morgan_counts" (uint8 counts).
  MorganFeaturizer(const MorganParams& params, bool counts);

  std::string name() const override { return counts_ ? "morgan_counts" : "morgan"; }
  std::string spec() const override;
  FeatureKind kind() const override { return counts_ ? FeatureKind::counts_u8 : FeatureKind::packed_bits; }
  std::size_t width() const override { return static_cast<std::size_t>(params_.bits); }
  void compute(const RDKit::ROMol& mol, std::uint8_t* row) const override;

  const MorganParams& params() const { return params_; }

 private:
  MorganParams params_;
  bool counts_;
};

}  // namespace hitforge::chem
