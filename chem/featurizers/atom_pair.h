#pragma once
// "atompair": hashed atom-pair fingerprint as packed_bits, width = bits. Bit-for-bit equal to RDKit Python
// rdMolDescriptors.GetHashedAtomPairFingerprintAsBitVect(mol, nBits=bits) with its defaults (minLength=1,
// maxLength=30, nBitsPerEntry=4, no chirality, 2D topological distances).
//
// Parameters: bits (4..1048576, default 2048; RDKit sets 4 bits per pair in bits/4 blocks, so use a multiple of 4).
// Like RDKit Python, this caches the topological distance matrix on the molecule as a computed property: call it
// concurrently on different molecules, not on one shared molecule.
#include "chem/featurizers/featurizer.h"

namespace hitforge::chem {

struct AtomPairParams {
  int bits = 2048;
  /// UsageError on an unknown key or an out-of-range value.
  static AtomPairParams from_spec(const FeatureSpec& spec);
};

class AtomPairFeaturizer final : public Featurizer {
 public:
  explicit AtomPairFeaturizer(const AtomPairParams& params);
  std::string name() const override { return "atompair"; }
  std::string spec() const override;
  FeatureKind kind() const override { return FeatureKind::packed_bits; }
  std::size_t width() const override { return static_cast<std::size_t>(params_.bits); }
  void compute(const RDKit::ROMol& mol, std::uint8_t* row) const override;

 private:
  AtomPairParams params_;
};

}  // namespace hitforge::chem
