#pragma once
// GuacaMol's "KL divergence" distribution-learning benchmark (Brown et al. 2019, J. Chem. Inf. Model. 59:1096;
// guacamol/distribution_learning_benchmark.py KLDivBenchmark), computed between a reference sample and a generated
// sample:
//
//   * each sample is the set of unique non-isomeric canonical SMILES of its valid molecules (GuacaMol's
//     canonicalize_list(..., include_stereocenters=False)), each parsed again from that SMILES;
//   * nine RDKit descriptors per molecule, as RDKit Python's MolecularDescriptorCalculator computes them:
//     BertzCT, MolLogP, MolWt, TPSA (continuous) and NumHAcceptors, NumHDonors, NumRotatableBonds,
//     NumAliphaticRings, NumAromaticRings (discrete); a non-finite value becomes 0 (as GuacaMol does) and a
//     descriptor that throws keeps -666 (the calculator's placeholder, which GuacaMol then uses as a value);
//   * a tenth, continuous "internal_similarity": for each molecule the maximum Tanimoto similarity (Morgan radius 2,
//     4096 bits) to any other molecule of the same sample;
//   * continuous KL: scipy.stats.gaussian_kde of each sample (Scott's bandwidth n^(-1/5) times the sample's standard
//     deviation, ddof 1) evaluated on 1,000 evenly spaced points spanning both samples, 1e-10 added to both
//     densities, then scipy.stats.entropy(P, Q) = Σ p log(p/q) after normalising each to sum 1 (natural log);
//   * discrete KL: numpy.histogram of the reference with 10 equal bins over its [min, max] (±0.5 when constant),
//     the generated sample histogrammed on the same edges (values outside ignored), both as densities, 1e-10 added,
//     then the same entropy;
//   * score = mean over the ten terms of exp(−KL).
// A term GuacaMol cannot compute (its code raises or yields NaN: a sample with fewer than two molecules or zero
// variance for a KDE, no generated value inside the reference histogram's range) is reported as NaN with a reason and
// counts as exp(−∞) = 0 in the score, so a degenerate sample never scores well by dropping terms.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "chem/gen_metrics_similarity.h"

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

inline constexpr std::size_t kKlDescriptorCount = 9;
/// GuacaMol's names, in its order (the first four are continuous, the other five discrete).
const std::array<const char*, kKlDescriptorCount>& kl_descriptor_names();

/// Bertz's complexity index exactly as RDKit Python's GraphDescriptors.BertzCT(mol) (cutoff 100, forceDMat=1):
/// atoms are grouped into symmetry classes by their sorted bond-order-weighted ("Balaban") distance rows printed to
/// 4 decimals, connections (bonded pairs of order > 1 and two-bond paths, weighted by bond orders, aromatic = 1.5)
/// are counted per class tuple, and the result is the two information-content terms of Bertz (1981).
/// 0 for fewer than two atoms. Computes (and caches on `mol`, as RDKit does) a distance matrix, so call it on a
/// molecule no other thread is using.
double bertz_ct(const RDKit::ROMol& mol);

/// The nine descriptors in kl_descriptor_names() order (see the header comment for non-finite and failing values).
/// Same threading note as bertz_ct (RDKit caches logP/TPSA/distance matrices on the molecule).
std::array<double, kKlDescriptorCount> kl_descriptors(const RDKit::ROMol& mol);

/// One side of the comparison: descriptors and 4096-bit Morgan fingerprints of the unique molecules, same order.
struct KlSample {
  std::vector<std::array<double, kKlDescriptorCount>> descriptors;
  FingerprintBlock morgan4096{64, {}};
  std::size_t size() const { return descriptors.size(); }
};

struct KlTerm {
  std::string name;
  double kl = 0;       ///< NaN when not computable
  std::string reason;  ///< why not computable; empty otherwise
};

struct KlResult {
  std::vector<KlTerm> terms;  ///< the 9 descriptors, then "internal_similarity"
  double score = 0;           ///< mean of exp(−KL), undefined terms counting 0; NaN when a sample is empty
};

/// scipy gaussian_kde(baseline) vs gaussian_kde(sampled) on 1,000 points, as described above. NaN (and `reason`)
/// when either sample has fewer than 2 values or zero variance.
double continuous_kl(const std::vector<double>& baseline, const std::vector<double>& sampled, std::string* reason,
                     int threads = 1);
/// numpy.histogram(baseline, bins=10) vs the same edges on `sampled`, as described above. NaN (and `reason`) when
/// either sample is empty or no sampled value falls inside the baseline's range.
double discrete_kl(const std::vector<double>& baseline, const std::vector<double>& sampled, std::string* reason);

/// All ten terms and the score; `reference` plays GuacaMol's ChEMBL training sample (P), `generated` the model's (Q).
KlResult guacamol_kl(const KlSample& reference, const KlSample& generated, int threads);

}  // namespace hitforge::chem
