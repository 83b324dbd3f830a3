#pragma once
// Safe molecule input. Every record ends `ok` or `invalid` with a human-readable reason; nothing here aborts a batch.
//
// Order of checks (cheap before expensive; RDKit 2022.09 hazards in ../shared/NOTES.md):
//   1. text checks: empty, length, charset (NUL/control bytes, whitespace inside, non-ASCII are rejected — RDKit
//      silently parses "CC O" and "CCéO" as ethane), an estimate of heavy atoms and fragments from the text
//      (a 4,000-carbon chain takes ~50 s to sanitise, <1 ms to reject here);
//   2. RDKit parse without sanitisation; exact heavy-atom and fragment limits on the graph;
//   3. sanitisation; explicit hydrogens removed and stereo assigned exactly as RDKit's default SMILES parse does,
//      so features equal what RDKit Python computes from Chem.MolFromSmiles.
// Every exception (RDKit's own and plain std::exception) is caught per record.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace RDKit {
class RWMol;
class ROMol;
}

namespace hitforge::chem {

enum class RecordStatus : std::uint8_t { ok = 0, invalid = 1, filtered = 2 };
const char* to_string(RecordStatus s);

struct ParseParams {
  std::size_t max_length = 5000;   ///< characters of SMILES text
  int max_heavy_atoms = 500;       ///< checked on the text estimate and on the parsed graph
  int max_fragments = 100;         ///< disconnected components ("." separated)
  bool allow_cxsmiles = true;      ///< "SMILES |extension|" accepted; otherwise any space is an error
};

struct ParsedMol {
  RecordStatus status = RecordStatus::invalid;
  std::string reason;                 ///< empty when ok
  std::unique_ptr<RDKit::RWMol> mol;  ///< sanitised molecule when ok
  bool ok() const { return status == RecordStatus::ok; }
};

/// Parses one SMILES (optionally CXSMILES) string under `params`. Never throws for bad input.
ParsedMol parse_smiles(std::string_view smiles, const ParseParams& params = {});
/// Parses one MDL molblock (V2000/V3000) under `params`. Never throws for bad input.
ParsedMol parse_molblock(const std::string& molblock, const ParseParams& params = {});
/// Cheap text-only checks of step 1; returns the reason, or an empty string when the text passes.
std::string check_smiles_text(std::string_view smiles, const ParseParams& params);

/// Canonical isomeric SMILES of a sanitised molecule (RDKit's MolToSmiles defaults).
std::string canonical_smiles(const RDKit::ROMol& mol);

/// Silences RDKit's own error/warning logging (we report per-record reasons instead). Idempotent, thread-safe.
void quiet_rdkit_logs();

}  // namespace hitforge::chem
