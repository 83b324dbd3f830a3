#pragma once
// "maccs": the 166 public MACCS keys as RDKit defines them, packed_bits of width 167 (bit 0 is always 0, so that
// bit k is key k). Bit-for-bit equal to RDKit Python MACCSkeys.GenMACCSKeys(mol). No parameters.
// Reads the molecule only (substructure matches); safe to call concurrently.
#include "chem/featurizers/featurizer.h"

namespace hitforge::chem {

class MaccsFeaturizer final : public Featurizer {
 public:
  static constexpr std::size_t kWidth = 167;

  MaccsFeaturizer();
  std::string name() const override { return "maccs"; }
  std::string spec() const override { return "maccs"; }
  FeatureKind kind() const override { return FeatureKind::packed_bits; }
  std::size_t width() const override { return kWidth; }
  void compute(const RDKit::ROMol& mol, std::uint8_t* row) const override;
};

}  // namespace hitforge::chem
