#include "chem/scoring/rule_set.h"

#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/ROMol.h>

#include "chem/scoring/scorer_params.h"

namespace hitforge::chem {

namespace {

// Appends one violated rule to the count and the note; the note is built only when the caller wants it.
struct Violations {
  int count = 0;
  std::string* note;
  void add(bool violated, const char* rule) {
    if (!violated) return;
    ++count;
    if (note) {
      if (!note->empty()) *note += ';';
      *note += rule;
    }
  }
};

}  // namespace

MolScorerPtr RuleSetScorer::from_json(RuleSet rules, const nlohmann::json& params) {
  scoring_detail::check_keys(params, {});
  return std::make_unique<RuleSetScorer>(rules);
}

std::string RuleSetScorer::name() const {
  switch (rules_) {
    case RuleSet::lipinski:
      return "lipinski";
    case RuleSet::veber:
      return "veber";
    case RuleSet::ghose:
      return "ghose";
  }
  return "unknown";
}

void RuleSetScorer::compute(const RDKit::ROMol& mol, double* out, std::string* note) const {
  if (note) note->clear();
  Violations v{0, note};
  switch (rules_) {
    case RuleSet::lipinski: {
      v.add(RDKit::Descriptors::calcAMW(mol) > 500.0, "MW>500");
      v.add(RDKit::Descriptors::calcClogP(mol) > 5.0, "LogP>5");
      v.add(RDKit::Descriptors::calcNumHBD(mol) > 5, "HBD>5");
      v.add(RDKit::Descriptors::calcNumHBA(mol) > 10, "HBA>10");
      break;
    }
    case RuleSet::veber: {
      v.add(RDKit::Descriptors::calcNumRotatableBonds(mol) > 10, "RotB>10");
      v.add(RDKit::Descriptors::calcTPSA(mol) > 140.0, "TPSA>140");
      break;
    }
    case RuleSet::ghose: {
      const double mw = RDKit::Descriptors::calcAMW(mol);
      double logp = 0, mr = 0;
      RDKit::Descriptors::calcCrippenDescriptors(mol, logp, mr);  // one pass gives both
      unsigned int atoms = mol.getNumAtoms();
      for (const auto* atom : mol.atoms()) atoms += atom->getTotalNumHs();
      v.add(mw < 160.0, "MW<160");
      v.add(mw > 480.0, "MW>480");
      v.add(logp < -0.4, "LogP<-0.4");
      v.add(logp > 5.6, "LogP>5.6");
      v.add(atoms < 20, "atoms<20");
      v.add(atoms > 70, "atoms>70");
      v.add(mr < 40.0, "MR<40");
      v.add(mr > 130.0, "MR>130");
      break;
    }
  }
  out[0] = v.count;
}

}  // namespace hitforge::chem
