#pragma once
// Molecule standardisation with RDKit's MolStandardize, in a fixed order (each stage optional):
//   1. cleanup           — sanitise, remove explicit H, disconnect metals, apply RDKit's default normalisations
//                          (nitro, N-oxide, sulfoxide, ... to one form) and reionisation (strongest acid charged
//                          first); equal to rdMolStandardize.Cleanup(mol) in RDKit Python;
//   2. largest_fragment  — keep the fragment with most atoms (then highest MW): strips salts and solvents,
//                          "CC(=O)[O-].[Na+]" → "CC(=O)[O-]"; rdMolStandardize.LargestFragmentChooser().choose;
//   3. uncharge          — neutralise by adding/removing H where possible ("CC(=O)[O-]" → "CC(=O)O"); charges that
//                          cannot be neutralised (quaternary N) stay; rdMolStandardize.Uncharger().uncharge;
//   4. canonical_tautomer — RDKit's canonical tautomer ("Oc1ccccn1" → "O=c1cccc[nH]1");
//                          rdMolStandardize.TautomerEnumerator().Canonicalize. Off by default: it is slow (can
//                          enumerate up to 1000 tautomers) and removes stereo at centres involved in tautomerism.
//
// Thread-safe: the RDKit helper objects are per thread (thread_local), so OpenMP loops over molecules share nothing.
// Never throws for bad molecules: every exception becomes `reason`, naming the stage that failed.
#include <memory>
#include <string>
#include <string_view>

#include "chem/mol_input.h"

namespace RDKit {
class ROMol;
class RWMol;
}  // namespace RDKit

namespace hitforge::chem {

struct StandardizeParams {
  bool largest_fragment = true;
  bool uncharge = true;
  bool canonical_tautomer = false;
  bool cleanup = true;

  bool operator==(const StandardizeParams& o) const {
    return largest_fragment == o.largest_fragment && uncharge == o.uncharge &&
           canonical_tautomer == o.canonical_tautomer && cleanup == o.cleanup;
  }
  bool operator!=(const StandardizeParams& o) const { return !(*this == o); }
};

struct StandardizeResult {
  RecordStatus status = RecordStatus::invalid;  ///< ok or invalid
  std::string reason;                           ///< "<stage>: <what went wrong>"; empty when ok
  std::unique_ptr<RDKit::RWMol> mol;            ///< standardised, sanitised molecule when ok; null otherwise
  bool ok() const { return status == RecordStatus::ok; }
};

/// Standardises a copy of `mol` (expected sanitised, as from parse_smiles). With every stage off the result is an
/// unchanged copy. An input or output without atoms is invalid ("empty molecule").
StandardizeResult standardize(const RDKit::ROMol& mol, const StandardizeParams& params = {});

/// "cleanup,largest_fragment,uncharge,tautomer" with the enabled stages in pipeline order, or "none".
std::string to_string(const StandardizeParams& params);

/// Parses a comma-separated list of stages for the CLI: words cleanup, largest_fragment, uncharge, tautomer
/// (alias canonical_tautomer); "none" (all off) or "default" (StandardizeParams{}) alone. Listed stages are on,
/// the rest off. Spaces around words are ignored. Throws core::UsageError naming an unknown word or an empty spec.
/// parse_standardize_params(to_string(p)) == p.
StandardizeParams parse_standardize_params(std::string_view spec);

}  // namespace hitforge::chem
