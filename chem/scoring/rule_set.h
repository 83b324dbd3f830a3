#pragma once
// Drug-likeness rule sets: the value is the number of violated rules, the note lists them ("MW>500;LogP>5").
// All descriptors come from RDKit C++ and equal the RDKit Python function named next to them:
//
//   "lipinski"  column lipinski_violations (0..4). Violations: MW > 500, CLogP > 5, HBD > 5, HBA > 10 where
//               MW    = average molecular weight with implicit H (calcAMW = Descriptors.MolWt),
//               CLogP = Wildman–Crippen logP (calcClogP = Crippen.MolLogP),
//               HBD   = calcNumHBD (= rdMolDescriptors.CalcNumHBD = Lipinski.NumHDonors),
//               HBA   = calcNumHBA (= rdMolDescriptors.CalcNumHBA = Lipinski.NumHAcceptors).
//               Note names: "MW>500", "LogP>5", "HBD>5", "HBA>10".
//   "veber"     column veber_violations (0..2). Violations: rotatable bonds > 10, TPSA > 140 Å² where
//               rotatable bonds = calcNumRotatableBonds with RDKit's default (strict) definition
//               (= Descriptors.NumRotatableBonds), TPSA = calcTPSA, N and O only (= Descriptors.TPSA).
//               Note names: "RotB>10", "TPSA>140".
//   "ghose"     column ghose_violations (0..4). Violations: MW outside [160, 480], CLogP outside [-0.4, 5.6],
//               total atom count (heavy atoms + all hydrogens) outside [20, 70], Crippen molar refractivity
//               (calcMR = Crippen.MolMR) outside [40, 130]; bounds inclusive.
//               Note names: "MW<160"/"MW>480", "LogP<-0.4"/"LogP>5.6", "atoms<20"/"atoms>70", "MR<40"/"MR>130".
//
// None takes parameters. Crippen and TPSA values are cached on the molecule as RDKit computed properties (RDKit's
// default), so molecules must not be shared between threads while they are scored; scorers themselves are shared.
#include <nlohmann/json.hpp>

#include "chem/scoring/mol_scorer.h"

namespace hitforge::chem {

enum class RuleSet { lipinski, veber, ghose };

class RuleSetScorer final : public MolScorer {
 public:
  explicit RuleSetScorer(RuleSet rules) : rules_(rules) {}
  /// Builds from {"name": "lipinski"|"veber"|"ghose"}; UsageError for any other key.
  static MolScorerPtr from_json(RuleSet rules, const nlohmann::json& params);

  std::string name() const override;
  nlohmann::json params() const override { return {{"name", name()}}; }
  std::vector<std::string> columns() const override { return {name() + "_violations"}; }
  void compute(const RDKit::ROMol& mol, double* out, std::string* note) const override;

 private:
  RuleSet rules_;
};

}  // namespace hitforge::chem
