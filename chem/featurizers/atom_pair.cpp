#include "chem/featurizers/atom_pair.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/AtomPairs.h>
#include <GraphMol/ROMol.h>

#include <memory>

#include "chem/featurizers/bit_packing.h"
#include "core/error.h"

namespace hitforge::chem {

namespace {
constexpr int kMinBits = 4;
constexpr int kMaxBits = 1 << 20;
}  // namespace

AtomPairParams AtomPairParams::from_spec(const FeatureSpec& spec) {
  spec.check_keys({"bits"});
  AtomPairParams p;
  p.bits = spec.get_int("bits", p.bits);
  // RDKit hashes each pair into bits/4 blocks of 4 bits, so fewer than 4 bits would divide by zero there.
  HITFORGE_REQUIRE(p.bits >= kMinBits && p.bits <= kMaxBits, "featuriser '", spec.name, "': bits must be in ", kMinBits,
                   "..", kMaxBits, ", got ", p.bits);
  return p;
}

AtomPairFeaturizer::AtomPairFeaturizer(const AtomPairParams& params) : params_(params) {
  HITFORGE_CHECK(params.bits >= kMinBits && params.bits <= kMaxBits, "invalid AtomPairParams");
}

std::string AtomPairFeaturizer::spec() const {
  return FeatureSpec{name(), {{"bits", std::to_string(params_.bits)}}}.str();
}

void AtomPairFeaturizer::compute(const RDKit::ROMol& mol, std::uint8_t* row) const {
  const auto bits = static_cast<unsigned>(params_.bits);
  std::unique_ptr<ExplicitBitVect> fp(RDKit::AtomPairs::getHashedAtomPairFingerprintAsBitVect(mol, bits));
  detail::pack_bits(*fp, bits, row);
}

}  // namespace hitforge::chem
