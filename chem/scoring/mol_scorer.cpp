#include "chem/scoring/mol_scorer.h"

#include <nlohmann/json.hpp>

#include "chem/scoring/qed.h"
#include "chem/scoring/rule_set.h"
#include "chem/scoring/sa_score.h"
#include "chem/scoring/similarity_scorer.h"
#include "chem/scoring/smarts_scorer.h"
#include "chem/scoring/structural_alerts.h"
#include "core/error.h"
#include "core/text.h"

namespace hitforge::chem {

using core::str_cat;
using core::UsageError;

// ---- registry ----
// An explicit table rather than static-initialiser self-registration: the libraries are static archives, and the
// linker drops object files that nothing references, registrations included. Adding a scorer = one row here.

namespace {

struct RegistryEntry {
  const char* name;
  const char* description;
  MolScorerPtr (*make)(const nlohmann::json& params);  // params is an object whose "name" equals `name`
};

const RegistryEntry kRegistry[] = {
    {"qed", "QED drug-likeness, Bickerton 2012 as RDKit's QED.qed {weights: mean|max|none} -> qed", make_qed_scorer},
    {"sa", "synthetic accessibility 1 (easy) - 10 (hard), Ertl 2009 as RDKit Contrib sascorer {fpscores} -> sa_score",
     make_sa_scorer},
    {"lipinski", "Lipinski rule of five violations (MW>500, CLogP>5, HBD>5, HBA>10) -> lipinski_violations",
     [](const nlohmann::json& p) { return RuleSetScorer::from_json(RuleSet::lipinski, p); }},
    {"veber", "Veber violations (rotatable bonds>10, TPSA>140) -> veber_violations",
     [](const nlohmann::json& p) { return RuleSetScorer::from_json(RuleSet::veber, p); }},
    {"ghose", "Ghose violations (MW 160-480, CLogP -0.4-5.6, atoms 20-70, MR 40-130) -> ghose_violations",
     [](const nlohmann::json& p) { return RuleSetScorer::from_json(RuleSet::ghose, p); }},
    {"pains", "PAINS A+B+C alerts (RDKit FilterCatalog) -> pains_matches, note: matched alerts",
     [](const nlohmann::json& p) { return StructuralAlertScorer::from_json(AlertSet::pains, p); }},
    {"brenk", "Brenk unwanted-group alerts (RDKit FilterCatalog) -> brenk_matches, note: matched alerts",
     [](const nlohmann::json& p) { return StructuralAlertScorer::from_json(AlertSet::brenk, p); }},
    {"nih", "NIH reactive/interfering-group alerts (RDKit FilterCatalog) -> nih_matches, note: matched alerts",
     [](const nlohmann::json& p) { return StructuralAlertScorer::from_json(AlertSet::nih, p); }},
    {"smarts", "patterns matched from a SMARTS list {patterns|file, label} -> smarts_<label>",
     [](const nlohmann::json& p) -> MolScorerPtr {
       return std::make_unique<SmartsScorer>(SmartsParams::from_json(p));
     }},
    {"similarity",
     "max/mean Tanimoto to reference molecules {references|reference_file, fingerprint, mode, label} -> "
     "sim_<mode>_<label>",
     [](const nlohmann::json& p) -> MolScorerPtr {
       return std::make_unique<SimilarityScorer>(SimilarityParams::from_json(p));
     }},
};

std::string known_names() {
  std::vector<std::string> names;
  for (const auto& entry : kRegistry) names.emplace_back(entry.name);
  return core::join(names);
}

}  // namespace

MolScorerPtr make_scorer(const nlohmann::json& params) {
  HITFORGE_REQUIRE(params.is_object(), "scorer must be a JSON object with a \"name\", got ", params.type_name());
  const auto it = params.find("name");
  HITFORGE_REQUIRE(it != params.end() && it->is_string(),
                   "scorer object has no \"name\" string (known: ", known_names(), ")");
  const std::string name = it->get<std::string>();
  for (const auto& entry : kRegistry)
    if (name == entry.name) return entry.make(params);
  throw UsageError(str_cat("unknown scorer '", name, "' (known: ", known_names(), ")"));
}

MolScorerPtr make_scorer(const std::string& name) {
  return make_scorer(nlohmann::json{{"name", name}});
}

std::vector<std::pair<std::string, std::string>> scorer_catalog() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : kRegistry) out.emplace_back(entry.name, entry.description);
  return out;
}

}  // namespace hitforge::chem
