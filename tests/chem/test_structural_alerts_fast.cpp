// The screened structural-alert path (StructuralAlertScorer::matching_entries / compute) must give exactly the
// entries RDKit's FilterCatalog::getMatches gives: same entries, same order, for PAINS, Brenk and NIH, on every
// parsable molecule of NCI first_5K.smi (and on hydrogen-added copies of some of them), plus known positives.
#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "chem/mol_input.h"
#include "chem/scoring/query_screen.h"
#include "chem/scoring/structural_alerts.h"
#include "test_util.h"

using hitforge::chem::AlertSet;
using hitforge::chem::StructuralAlertScorer;

namespace {

// Entry indices that RDKit's own FilterCatalog::getMatches returns (entries are identified by address).
std::vector<unsigned int> reference_entries(const RDKit::FilterCatalog& cat, const RDKit::ROMol& mol) {
  std::vector<unsigned int> out;
  const auto matches = cat.getMatches(mol);
  std::size_t next = 0;
  for (unsigned int i = 0; i < cat.getNumEntries() && next < matches.size(); ++i)
    if (cat.getEntryWithIdx(i) == matches[next].get()) out.push_back(i), ++next;
  REQUIRE(next == matches.size());  // every match found, in catalog order
  return out;
}

std::string reference_note(const RDKit::FilterCatalog& cat, const RDKit::ROMol& mol) {
  std::string note;
  for (const auto& e : cat.getMatches(mol)) note += (note.empty() ? "" : ";") + e->getDescription();
  return note;
}

std::vector<std::unique_ptr<RDKit::RWMol>> nci_molecules() {
  std::ifstream in(hitforge::testing::rdkit_data("Data/NCI/first_5K.smi"));
  REQUIRE(in);
  std::vector<std::unique_ptr<RDKit::RWMol>> out;
  std::string line;
  while (std::getline(in, line)) {
    auto p = hitforge::chem::parse_smiles(line.substr(0, line.find_first_of(" \t")));
    if (p.ok()) out.push_back(std::move(p.mol));
  }
  return out;
}

}  // namespace

TEST_CASE("query screen rejects what cannot match, including through recursive SMARTS", "[chem]") {
  using hitforge::chem::QueryScreen;
  const char* queries[] = {
      "[$([#44]),$([#45]),$([se])]",   // 0: metal-like atoms, all recursive
      "[C;$(C=O)]",                    // 1: recursive with a bond from the root
      "[N;!$(NC=O)]",                  // 2: negated recursive
      "O=C1NC(=S)SC1=C",               // 3: plain ring pattern
      "[#6]-[#7](-[#6])-[#6]",         // 4: star (tertiary amine)
      "[$(C(F)(F)F)]",                 // 5: recursive star with three equal neighbours
  };
  std::vector<std::unique_ptr<RDKit::RWMol>> qmols;
  QueryScreen screen;
  for (const char* q : queries) {
    qmols.emplace_back(RDKit::SmartsToMol(q));
    REQUIRE(qmols.back());
    screen.add(*qmols.back());
  }
  struct Case {
    const char* smiles;
    const char* may;  // expected may_match per query, '1' or '0'
  };
  // '1' where SubstructMatch matches (the screen must pass) or where the screen cannot tell (documented here).
  const Case cases[] = {
      {"CCO", "000000"},
      {"CC(=O)N", "011000"},          // amide N: !$(NC=O) is false, but the screen can only say "unknown"
      {"CN(C)C", "001010"},
      {"FC(F)C", "000000"},           // CHF2: a C with two F, not three
      {"FC(F)(F)C", "000001"},
      {"O=C1NC(=S)SC1=Cc1ccccc1", "011100"},
  };
  QueryScreen::Scratch sc;
  for (const Case& c : cases) {
    INFO(c.smiles);
    auto p = hitforge::chem::parse_smiles(c.smiles);
    REQUIRE(p.ok());
    screen.reset(sc, *p.mol);
    std::string got;
    for (std::size_t i = 0; i < screen.size(); ++i) got += screen.may_match(i, sc) ? '1' : '0';
    // Soundness: every query that really matches must pass the screen.
    for (std::size_t i = 0; i < screen.size(); ++i) {
      RDKit::MatchVectType mv;
      if (RDKit::SubstructMatch(*p.mol, *qmols[i], mv)) CHECK(got[i] == '1');
    }
    CHECK(got == c.may);
  }
}

TEST_CASE("screened alerts find known positives exactly as FilterCatalog", "[chem]") {
  const StructuralAlertScorer pains(AlertSet::pains), brenk(AlertSet::brenk), nih(AlertSet::nih);
  CHECK(pains.num_entries() == 480);
  // Every entry of the three RDKit 2022.09 catalogs is a plain SmartsMatcher, so all go through the screen.
  for (const StructuralAlertScorer* s : {&pains, &brenk, &nih}) CHECK(s->num_screened_entries() == s->num_entries());

  struct Case {
    const char* smiles;
    const StructuralAlertScorer* scorer;
    const char* note;
  };
  const Case cases[] = {
      {"O=C1NC(=S)SC1=Cc1ccccc1", &pains, "ene_rhod_A(235)"},
      {"CC1=CC(=O)C=CC1=O", &pains, "quinone_A(370)"},
      {"O=C1C=CC(=O)C=C1", &pains, "quinone_A(370)"},
      {"CC(=O)Oc1ccccc1C(=O)O", &pains, ""},
      {"c1ccccc1", &nih, ""},
      {"O=C1NC(=S)SC1=Cc1ccccc1", &brenk, "Michael_acceptor_1;Thiocarbonyl_group"},
      {"CC1=CC(=O)C=CC1=O", &brenk, "chinone_1"},
      {"O=CCCCC=O", &brenk, "aldehyde;Aliphatic_long_chain"},
      {"O=C1NC(=S)SC1=Cc1ccccc1", &nih, "rhodanine"},
      {"O=C1C=CC(=O)C=C1", &nih, "bis_keto_olefin;para_quinone"},
  };
  for (const Case& c : cases) {
    INFO(c.smiles);
    auto p = hitforge::chem::parse_smiles(c.smiles);
    REQUIRE(p.ok());
    double v = -1;
    std::string note;
    c.scorer->compute(*p.mol, &v, &note);
    CHECK(note == c.note);
    CHECK(v == static_cast<double>(c.scorer->matching_entries(*p.mol).size()));
    CHECK(note == reference_note(c.scorer->catalog(), *p.mol));
    CHECK(c.scorer->matching_entries(*p.mol) == reference_entries(c.scorer->catalog(), *p.mol));
  }
}

TEST_CASE("screened alerts equal FilterCatalog::getMatches on all of NCI first_5K", "[chem]") {
  const auto mols = nci_molecules();
  REQUIRE(mols.size() > 4900);  // 4,993 parse in RDKit 2022.09
  for (AlertSet set : {AlertSet::pains, AlertSet::brenk, AlertSet::nih}) {
    const StructuralAlertScorer scorer(set);
    INFO("catalog " << scorer.name());
    std::size_t total_hits = 0, mols_with_hits = 0;
    std::vector<std::string> mismatches;  // reported at the end (INFO would be consumed by the next assertion)
    for (std::size_t i = 0; i < mols.size(); ++i) {
      const RDKit::ROMol& m = *mols[i];
      const auto want = reference_entries(scorer.catalog(), m);
      const auto got = scorer.matching_entries(m);
      if (got != want)
        mismatches.push_back("molecule " + std::to_string(i) + " " + RDKit::MolToSmiles(m) + ": " +
                             std::to_string(got.size()) + " entries, FilterCatalog " + std::to_string(want.size()));
      total_hits += want.size();
      mols_with_hits += !want.empty();
      // Every 25th molecule again with explicit hydrogens (H atoms as targets of [#1]/[!#1]/~ queries).
      if (i % 25 == 0) {
        std::unique_ptr<RDKit::ROMol> mh(RDKit::MolOps::addHs(m));
        if (scorer.matching_entries(*mh) != reference_entries(scorer.catalog(), *mh))
          mismatches.push_back("molecule " + std::to_string(i) + " with explicit hydrogens");
      }
    }
    std::string first;
    for (std::size_t k = 0; k < mismatches.size() && k < 5; ++k) first += mismatches[k] + "\n";
    INFO(mismatches.size() << " mismatches, first:\n" << first);
    CHECK(mismatches.empty());
    // The file has plenty of positives for each catalog (so an over-eager screen could not pass unnoticed).
    CHECK(mols_with_hits > 100);
    CHECK(total_hits > 150);
  }
}

// Not a check: the figures quoted in docs/scoring.md and docs/benchmarks.md ("Structural alerts"). Hidden; run with
//   build/tests/test_chem "[.alerts-bench]"
// Single thread, molecules per CPU second of this thread (CLOCK_THREAD_CPUTIME_ID), parsing excluded; both paths
// run on the same parsed molecules in the same invocation.
TEST_CASE("structural alerts timing: FilterCatalog::getMatches vs screened path", "[.alerts-bench]") {
  const auto mols = nci_molecules();
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  for (AlertSet set : {AlertSet::pains, AlertSet::brenk, AlertSet::nih}) {
    const StructuralAlertScorer scorer(set);
    std::size_t a = 0, b = 0;
    const double t0 = cpu();
    for (const auto& m : mols) a += scorer.catalog().getMatches(*m).size();
    const double t1 = cpu();
    for (const auto& m : mols) b += scorer.matching_entries(*m).size();
    const double t2 = cpu();
    CHECK(a == b);
    WARN(scorer.name() << ": " << mols.size() << " molecules, FilterCatalog " << static_cast<long>(mols.size() / (t1 - t0))
                       << " mol/s, screened " << static_cast<long>(mols.size() / (t2 - t1)) << " mol/s, speed-up "
                       << (t1 - t0) / (t2 - t1) << "x");
  }
}
