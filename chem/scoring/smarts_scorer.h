#pragma once
// "smarts": a user's list of SMARTS patterns (substructure include/exclude lists).
//
//   {"name": "smarts", "patterns": ["SMARTS [name]", ...], "label": "amide"}
//   {"name": "smarts", "file": "alerts.txt", "label": "amide"}
//
// Exactly one of "patterns" (array of strings) or "file" (text file: one SMARTS per line, optionally followed by
// whitespace and a name; blank lines and lines starting with '#' are skipped). A pattern without a name is named by
// its SMARTS text. "label" (default "custom"; letters, digits, '_' and '-') names the column "smarts_<label>", so
// several lists can share a table.
//
// Value = number of patterns with at least one match (RDKit SubstructMatch, recursion on, chirality ignored), so
// include lists keep value > 0 and exclude lists keep value == 0. Note = names of the matched patterns joined by ';'.
// Patterns are compiled once at construction; an invalid SMARTS (or an unreadable file, or an empty list) throws
// UsageError naming the pattern (and file:line). compute() only reads the compiled queries and is safe to call
// concurrently (this RDKit build defines RDK_BUILD_THREADSAFE_SSS for recursive SMARTS).
#include <memory>

#include <nlohmann/json.hpp>

#include "chem/scoring/mol_scorer.h"

namespace RDKit {
class RWMol;
}

namespace hitforge::chem {

struct SmartsParams {
  std::vector<std::string> patterns;  ///< "SMARTS" or "SMARTS name" (when given inline)
  std::string file;                   ///< alternative to patterns
  std::string label = "custom";

  /// Reads patterns/file/label; UsageError on an unknown key, both or neither source, or a bad label.
  static SmartsParams from_json(const nlohmann::json& params);
};

class SmartsScorer final : public MolScorer {
 public:
  explicit SmartsScorer(SmartsParams params);
  ~SmartsScorer() override;

  std::string name() const override { return "smarts"; }
  nlohmann::json params() const override;
  std::vector<std::string> columns() const override { return {"smarts_" + params_.label}; }
  void compute(const RDKit::ROMol& mol, double* out, std::string* note) const override;
  std::size_t num_patterns() const { return queries_.size(); }

 private:
  struct Pattern {
    std::string name;
    std::unique_ptr<RDKit::RWMol> query;
  };
  SmartsParams params_;
  std::vector<Pattern> queries_;
};

}  // namespace hitforge::chem
