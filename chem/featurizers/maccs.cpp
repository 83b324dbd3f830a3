#include "chem/featurizers/maccs.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/MACCS.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <memory>

#include "chem/featurizers/bit_packing.h"

namespace hitforge::chem {

MaccsFeaturizer::MaccsFeaturizer() {
  // RDKit compiles the MACCS SMARTS lazily on first use; do it here, on one thread, before concurrent compute().
  std::unique_ptr<RDKit::ROMol> warm(RDKit::SmilesToMol("c1ccccc1C(=O)O"));
  if (warm) std::unique_ptr<ExplicitBitVect>(RDKit::MACCSFingerprints::getFingerprintAsBitVect(*warm));
}

void MaccsFeaturizer::compute(const RDKit::ROMol& mol, std::uint8_t* row) const {
  std::unique_ptr<ExplicitBitVect> fp(RDKit::MACCSFingerprints::getFingerprintAsBitVect(mol));
  detail::pack_bits(*fp, kWidth, row);
}

}  // namespace hitforge::chem
