#include "chem/scoring/structural_alerts.h"

// Before any other RDKit header, in its own include block so that include sorting cannot move it:
// RDK_BUILD_THREADSAFE_SSS (defined there) changes the layout of RDKit::RecursiveStructureQuery.
#include <RDGeneral/RDConfig.h>

#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/FilterCatalog/FilterMatchers.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RingInfo.h>

#include <memory>
#include <typeinfo>

#include "chem/scoring/query_screen.h"
#include "chem/scoring/scorer_params.h"
#include "core/error.h"

// RDKit 2022.09 gives no accessor for a FilterCatalogEntry's matcher (FilterCatalogEntry::d_matcher is private),
// and the screen needs the entry's query molecule and match counts. An explicit template instantiation may name a
// private member ([temp.spec]/6 in C++17), so this reads the member pointer without changing RDKit's headers or
// layout assumptions. The matcher is only read, at catalog-index construction.
namespace hitforge::chem::rdkit_access {
struct EntryMatcher {
  using type = boost::shared_ptr<RDKit::FilterMatcherBase> RDKit::FilterCatalogEntry::*;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-template-friend"
#endif
  friend type member(EntryMatcher);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
};
template <class Tag, typename Tag::type M>
struct Expose {
  friend typename Tag::type member(Tag) { return M; }
};
template struct Expose<EntryMatcher, &RDKit::FilterCatalogEntry::d_matcher>;
}  // namespace hitforge::chem::rdkit_access

namespace hitforge::chem {

// Per entry: how to decide it. screen < 0: always the entry's own hasFilterMatch.
struct StructuralAlertScorer::Index {
  struct Entry {
    const RDKit::FilterCatalogEntry* entry = nullptr;
    long screen = -1;                // id in `screen`
    bool match_if_absent = false;    // SmartsMatcher's answer for zero matches: min_count == 0
  };
  std::vector<Entry> entries;
  QueryScreen screen;
  unsigned int screened = 0;
};

namespace {

// One catalog per set for the whole process: building PAINS parses ~480 SMARTS, far too slow per scorer, and the
// catalogs are immutable once built. Function-local statics give thread-safe one-time construction.
const RDKit::FilterCatalog& catalog_for(AlertSet set) {
  using P = RDKit::FilterCatalogParams;
  switch (set) {
    case AlertSet::pains: {
      static const RDKit::FilterCatalog c(P::PAINS);
      return c;
    }
    case AlertSet::brenk: {
      static const RDKit::FilterCatalog c(P::BRENK);
      return c;
    }
    case AlertSet::nih: {
      static const RDKit::FilterCatalog c(P::NIH);
      return c;
    }
  }
  core::throw_internal("unknown alert set", __FILE__, __LINE__);
}

void build_index(const RDKit::FilterCatalog& catalog, StructuralAlertScorer::Index& index) {
  const unsigned int n = catalog.getNumEntries();
  index.entries.resize(n);
  for (unsigned int i = 0; i < n; ++i) {
    StructuralAlertScorer::Index::Entry& e = index.entries[i];
    e.entry = catalog.getEntryWithIdx(i);
    HITFORGE_CHECK(e.entry != nullptr, "RDKit FilterCatalog entry ", i, " is missing");
    const auto& matcher = e.entry->*member(rdkit_access::EntryMatcher{});
    // Only an exact SmartsMatcher is screened (not a subclass, whose hasMatch might differ); its hasMatch is
    // "count of uniquified matches in [min, max]" (or "any match" for min 1, max UINT_MAX), so with no embedding
    // at all the answer is min_count == 0.
    if (!matcher || !e.entry->isValid() || typeid(*matcher) != typeid(RDKit::SmartsMatcher)) continue;
    const auto& sm = static_cast<const RDKit::SmartsMatcher&>(*matcher);
    if (!sm.getPattern()) continue;
    e.screen = static_cast<long>(index.screen.add(*sm.getPattern()));
    e.match_if_absent = sm.getMinCount() == 0;
    ++index.screened;
  }
}

const StructuralAlertScorer::Index& index_for(AlertSet set) {
  auto make = [](AlertSet s) {
    auto idx = std::make_unique<StructuralAlertScorer::Index>();
    build_index(catalog_for(s), *idx);
    return idx;
  };
  switch (set) {
    case AlertSet::pains: {
      static const auto idx = make(AlertSet::pains);
      return *idx;
    }
    case AlertSet::brenk: {
      static const auto idx = make(AlertSet::brenk);
      return *idx;
    }
    case AlertSet::nih: {
      static const auto idx = make(AlertSet::nih);
      return *idx;
    }
  }
  core::throw_internal("unknown alert set", __FILE__, __LINE__);
}

}  // namespace

StructuralAlertScorer::StructuralAlertScorer(AlertSet set)
    : set_(set), catalog_(&catalog_for(set)), index_(&index_for(set)) {
  HITFORGE_CHECK(catalog_->getNumEntries() > 0, "RDKit FilterCatalog '", name(), "' is empty");
}

MolScorerPtr StructuralAlertScorer::from_json(AlertSet set, const nlohmann::json& params) {
  scoring_detail::check_keys(params, {});
  return std::make_unique<StructuralAlertScorer>(set);
}

std::string StructuralAlertScorer::name() const {
  switch (set_) {
    case AlertSet::pains:
      return "pains";
    case AlertSet::brenk:
      return "brenk";
    case AlertSet::nih:
      return "nih";
  }
  return "unknown";
}

unsigned int StructuralAlertScorer::num_entries() const { return catalog_->getNumEntries(); }
unsigned int StructuralAlertScorer::num_screened_entries() const { return index_->screened; }

std::vector<unsigned int> StructuralAlertScorer::matching_entries(const RDKit::ROMol& mol) const {
  std::vector<unsigned int> hits;
  const auto& entries = index_->entries;
  // Without ring information the atom queries may not be evaluable outside SubstructMatch: take RDKit's own path.
  if (!mol.getRingInfo() || !mol.getRingInfo()->isInitialized()) {
    for (unsigned int i = 0; i < entries.size(); ++i)
      if (entries[i].entry->hasFilterMatch(mol)) hits.push_back(i);
    return hits;
  }
  // One scratch per thread, reused (capacity) across molecules and across the three catalogs.
  thread_local QueryScreen::Scratch scratch;
  index_->screen.reset(scratch, mol);
  for (unsigned int i = 0; i < entries.size(); ++i) {
    const Index::Entry& e = entries[i];
    bool hit;
    if (e.screen >= 0 && !index_->screen.may_match(static_cast<std::size_t>(e.screen), scratch))
      hit = e.match_if_absent;
    else
      hit = e.entry->hasFilterMatch(mol);  // exactly what FilterCatalog::getMatches asks of the entry
    if (hit) hits.push_back(i);
  }
  scratch.mol = nullptr;
  return hits;
}

void StructuralAlertScorer::compute(const RDKit::ROMol& mol, double* out, std::string* note) const {
  const std::vector<unsigned int> hits = matching_entries(mol);
  out[0] = static_cast<double>(hits.size());
  if (!note) return;
  note->clear();
  for (unsigned int i : hits) {
    if (!note->empty()) *note += ';';
    *note += index_->entries[i].entry->getDescription();
  }
}

}  // namespace hitforge::chem
