#include "chem/gen_metrics_filters.h"

// Before any other RDKit header, in its own include block so that include sorting cannot move it:
// RDK_BUILD_THREADSAFE_SSS (defined there) changes the layout of RDKit::RecursiveStructureQuery.
#include <RDGeneral/RDConfig.h>

#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RingInfo.h>
#include <GraphMol/SmilesParse/SmartsWrite.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <memory>
#include <set>

#include "chem/scoring/structural_alerts.h"
#include "core/error.h"

namespace hitforge::chem {
namespace {

// The medicinal-chemistry filters of MOSES (Polykovskiy et al. 2020), file moses/metrics/mcf.csv of
// https://github.com/molecularsets/moses (MIT licence), 22 patterns matched on the molecule with explicit hydrogens.
// Written here in hitforge's own SMARTS spelling ([#1] for hydrogen atoms, ';' for atom conjunctions, bond
// primitives without '&', element symbols where the element cannot be aromatic), with the same meaning pattern by
// pattern: on 6,696 molecules (NCI first_5K, rdkit-data's ChEMBL samples and PAINS test set, plus a hand-made hit
// per pattern) every pattern matched exactly the molecules the MOSES spelling matches. Bonds stay explicit wherever
// MOSES spells them, ring closures included: an unspecified SMARTS bond means "single or aromatic", not "single".
// Note that MCF12, MCF13 and MCF15 are Kekulé rings (furan, thiophene, aniline drawn with '=' and '-'), which do not
// match RDKit's aromatic bonds; they are kept for fidelity (MOSES applies them the same way) and rarely fire.
struct McfPattern {
  const char* name;
  const char* what;  // the chemistry, for people reading verdicts
  const char* smarts;
};
constexpr McfPattern kMcf[] = {
    {"MCF1", "acyclic C=C conjugated to a nitrile (acrylonitrile Michael acceptor)", "[#6]=!@[#6]-[#6]#[#7]"},
    {"MCF2", "acyclic vinyl sulfone", "[#6]=!@[#6]-[#16](=[#8])=[#8]"},
    {"MCF3", "acyclic acrylamide with a vinylic C-H", "[#6]=!@[#6;!H0]-!@[#6](=[#8])-!@[#7]"},
    {"MCF4", "primary alkyl halide (CH2 between carbon and F/Cl/Br/I)", "[#1][#6;A]([#1])([#6])[F,Cl,Br,I]"},
    {"MCF5", "epoxide", "[#6]1-[#8]-[#6]-1"},
    {"MCF6", "isocyanate", "[#6]-[#7]=[#6]=[#8]"},
    {"MCF7", "aldehyde (C-H carbonyl)", "[#6;!H0]=[#8]"},
    {"MCF8", "acyclic N-H imine", "[#6](=!@[#7;!H0])-!@[#6,#7,#8,#16]"},
    {"MCF9", "aziridine", "[#6]1-[#7]-[#6]-1"},
    {"MCF10", "acyclic C-N-N-C (hydrazine, hydrazone, azo)", "[#6]~!@[#7]~!@[#7]~!@[#6]"},
    {"MCF11", "acyclic N=N", "[#7]=!@[#7]"},
    {"MCF12", "2-substituted furan drawn as a Kekule ring", "[#1][#6]1=[#6]([#1])-[#6]=[#6](-*)-[#8]-1"},
    {"MCF13", "2-substituted thiophene drawn as a Kekule ring", "[#1][#6]1=[#6]([#1])-[#6]=[#6](-*)-[#16]-1"},
    {"MCF14", "Cl/Br/I on an aromatic carbon next to an aromatic heteroatom", "[Cl,Br,I]-c(:*):[!#1;!#6]:*"},
    {"MCF15", "primary aniline drawn as a Kekule ring", "[#1][#7]([#1])-[#6]1=[#6]-[#6]=[#6]-[#6]=[#6]-1"},
    {"MCF16", "S-S bond (disulfide)", "[#16]~[#16]"},
    {"MCF17", "acyclic N-N-N (azide, triazene)", "[#7]~!@[#7]~!@[#7]"},
    {"MCF18", "acyclic aminal CH2 between two nitrogens", "[#7]-!@[#6;!H0;!H1]-!@[#7]"},
    {"MCF19", "acyclic (hemi)acetal C-H", "[#6;!H0](-!@[#8])-!@[#8]"},
    {"MCF20", "three or more bromines", "[Br].[Br].[Br]"},
    {"MCF21", "four or more chlorines", "[Cl].[Cl].[Cl].[Cl]"},
    {"MCF22", "seven or more fluorines", "[F].[F].[F].[F].[F].[F].[F]"},
};

}  // namespace

struct MosesFilters::Impl {
  std::vector<std::unique_ptr<RDKit::ROMol>> mcf;
  StructuralAlertScorer pains{AlertSet::pains};
  const std::set<std::string> allowed{"C", "N", "S", "O", "F", "Cl", "Br", "H"};
};

MosesFilters::MosesFilters() {
  auto* impl = new Impl;
  for (const auto& p : kMcf) {
    std::unique_ptr<RDKit::ROMol> q(RDKit::SmartsToMol(p.smarts));
    HITFORGE_CHECK(q, "MCF pattern ", p.name, " does not parse: ", p.smarts);
    impl->mcf.push_back(std::move(q));
  }
  impl_ = impl;
}

const MosesFilters& MosesFilters::instance() {
  // Leaked on purpose: a process-lifetime singleton that OpenMP threads may still read during static destruction.
  static const MosesFilters* shared = new MosesFilters();
  return *shared;
}

std::vector<std::string> MosesFilters::mcf_names() const {
  std::vector<std::string> out;
  for (const auto& p : kMcf) out.emplace_back(p.name);
  return out;
}

std::vector<std::string> MosesFilters::mcf_smarts() const {
  std::vector<std::string> out;
  for (const auto& p : kMcf) out.emplace_back(p.smarts);
  return out;
}

FilterVerdict MosesFilters::check(const RDKit::ROMol& mol, const std::string* noniso_smiles) const {
  FilterVerdict v;
  try {
    const RDKit::RingInfo* rings = mol.getRingInfo();
    if (!rings->isInitialized()) {
      v.failed = "error: molecule has no ring information (not sanitised)";
      return v;
    }
    for (const auto& ring : rings->atomRings()) {
      if (ring.size() >= 8) {
        v.failed = "ring_size";
        return v;
      }
    }
    for (const RDKit::Atom* atom : mol.atoms()) {
      if (atom->getFormalCharge() != 0) {
        v.failed = "charge";
        return v;
      }
    }
    for (const RDKit::Atom* atom : mol.atoms()) {
      if (!impl_->allowed.count(atom->getSymbol())) {
        v.failed = "element";
        return v;
      }
    }
    const std::unique_ptr<RDKit::ROMol> with_h(RDKit::MolOps::addHs(mol));
    RDKit::MatchVectType match;
    for (std::size_t k = 0; k < impl_->mcf.size(); ++k) {
      if (RDKit::SubstructMatch(*with_h, *impl_->mcf[k], match)) {
        v.failed = std::string("mcf:") + kMcf[k].name;
        return v;
      }
    }
    // FilterCatalog's PAINS entries are written for the hydrogen-suppressed graph (see the header).
    if (!impl_->pains.matching_entries(mol).empty()) {
      v.failed = "pains";
      return v;
    }
    const std::string smiles = noniso_smiles ? *noniso_smiles : RDKit::MolToSmiles(mol, /*doIsomericSmiles=*/false);
    bool reparsed = false;
    if (!smiles.empty()) {
      try {
        reparsed = std::unique_ptr<RDKit::RWMol>(RDKit::SmilesToMol(smiles)) != nullptr;
      } catch (...) {
        reparsed = false;  // RDKit reports sanitisation failures by throwing
      }
    }
    if (!reparsed) {
      v.failed = "smiles";
      return v;
    }
    v.passes = true;
  } catch (const std::exception& e) {
    v.passes = false;
    v.failed = std::string("error: ") + e.what();
  } catch (...) {
    v.passes = false;
    v.failed = "error: unknown exception";
  }
  return v;
}

}  // namespace hitforge::chem
