#pragma once
// QED, the quantitative estimate of drug-likeness (Bickerton, Paolini, Besnard, Muresan & Hopkins 2012, Nature
// Chemistry 4:90), parameterised exactly like RDKit Python's rdkit.Chem.QED (version 1.1.0 of that descriptor), so
// that hitforge's values equal `QED.qed(mol)` to within 1e-4 (measured: see docs/scoring.md).
//
// Each of eight properties is mapped through an asymmetric double sigmoid fitted to approved oral drugs and scaled
// to (0, 1]; QED is the weighted geometric mean of the eight desirabilities, in [0, 1] (higher = more drug-like).
// The properties, each computed as RDKit Python's QED does on the molecule with explicit hydrogens removed:
//   mw      average molecular weight including implicit hydrogens (Da)
//   alogp   Wildman–Crippen logP (hydrogens included)
//   hba     H-bond acceptors: atoms matched by each of QED's 11 acceptor SMARTS, summed over patterns
//   hbd     H-bond donors: RDKit's Lipinski NumHDonors (rdMolDescriptors.CalcNumHBD)
//   psa     topological polar surface area, N and O only (Å²)
//   rotb    rotatable bonds, RDKit's "Strict" definition
//   arom    SSSR ring count after deleting aliphatic ring atoms bonded to a non-aromatic atom (QED's "aromatic rings")
//   alerts  number of QED's 116 unwanted-substructure SMARTS that match at least once
//
// Inputs are sanitised RDKit molecules (ring information present); otherwise UsageError. Thread-safe: the SMARTS
// are compiled once (first call) and shared read-only; like RDKit Python, computing logP and TPSA caches them as
// computed properties on the molecule, so call concurrently on different molecules, not on one shared molecule.
#include <nlohmann/json_fwd.hpp>

#include "chem/scoring/mol_scorer.h"

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

/// The eight raw QED properties (units above); integer-valued ones are stored as doubles, as QED uses them.
struct QedProperties {
  double mw, alogp, hba, hbd, psa, rotb, arom, alerts;
};

/// Property weights of the QED paper: "mean" (RDKit's default QED.qed / WEIGHT_MEAN), "max" (WEIGHT_MAX), "none"
/// (all 1, WEIGHT_NONE).
enum class QedWeights { mean, max, none };

/// Computes the eight properties. UsageError for a molecule without ring information (not sanitised).
QedProperties qed_properties(const RDKit::ROMol& mol);
/// QED from precomputed properties, in [0, 1].
double qed(const QedProperties& props, QedWeights weights = QedWeights::mean);
/// QED of a sanitised molecule with the default (mean) weights, equal to RDKit Python's QED.qed(mol).
double qed(const RDKit::ROMol& mol);

/// Scorer "qed": one column "qed". Parameters: {"name": "qed", "weights": "mean" | "max" | "none"} (default "mean").
/// UsageError naming the key for an unknown parameter or weight set.
MolScorerPtr make_qed_scorer(const nlohmann::json& params);

}  // namespace hitforge::chem
