#include "chem/standardize.h"

#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <GraphMol/MolStandardize/Metal.h>
#include <GraphMol/MolStandardize/MolStandardize.h>
#include <GraphMol/MolStandardize/Normalize.h>
#include <GraphMol/MolStandardize/Tautomer.h>
#include <GraphMol/RWMol.h>

#include "core/error.h"

namespace hitforge::chem {
namespace {

namespace MS = RDKit::MolStandardize;

// RDKit's helpers parse their SMARTS/SMIRKS catalogues when constructed (a TautomerEnumerator takes ~1.5 ms, more
// than standardising a typical molecule) and some of their methods are non-const, so each thread builds its own set
// once. A constructor that throws leaves the thread_local uninitialised and is retried on the next call.
MS::Normalizer& normalizer() {
  thread_local MS::Normalizer n;
  return n;
}
MS::Reionizer& reionizer() {
  thread_local MS::Reionizer r;
  return r;
}
MS::MetalDisconnector& metal_disconnector() {
  thread_local MS::MetalDisconnector m;
  return m;
}
MS::LargestFragmentChooser& fragment_chooser() {
  thread_local MS::LargestFragmentChooser c(/*preferOrganic=*/false);
  return c;
}
MS::Uncharger& uncharger() {
  thread_local MS::Uncharger u;
  return u;
}
const MS::TautomerEnumerator& tautomer_enumerator() {
  thread_local MS::TautomerEnumerator t;
  return t;
}

// The steps of MolStandardize::cleanup (RDKit 2022.09) with per-thread helpers instead of ones built per call; the
// result equals rdMolStandardize.Cleanup on the NCI set (tests/chem/test_standardize.cpp checks examples).
std::unique_ptr<RDKit::ROMol> cleanup(const RDKit::ROMol& in) {
  RDKit::RWMol m(in);
  RDKit::MolOps::sanitizeMol(m);
  RDKit::MolOps::removeHs(m);
  metal_disconnector().disconnect(m);
  std::unique_ptr<RDKit::ROMol> normalized(normalizer().normalize(m));
  std::unique_ptr<RDKit::ROMol> reionized(reionizer().reionize(*normalized));
  RDKit::MolOps::assignStereochemistry(*reionized);
  return reionized;
}

// Runs one stage, turning any exception into "<stage>: <what>".
template <class F>
bool run_stage(const char* stage, StandardizeResult& result, F&& f) {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    result.reason = core::str_cat(stage, ": ", e.what());
  } catch (...) {
    result.reason = core::str_cat(stage, ": unknown error");
  }
  return false;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

StandardizeResult standardize(const RDKit::ROMol& mol, const StandardizeParams& params) {
  StandardizeResult result;
  if (mol.getNumAtoms() == 0) {
    result.reason = "empty molecule";
    return result;
  }
  std::unique_ptr<RDKit::ROMol> cur;
  const auto current = [&]() -> const RDKit::ROMol& { return cur ? *cur : mol; };

  if (params.cleanup && !run_stage("cleanup", result, [&] { cur = cleanup(current()); })) {
    return result;
  }
  if (params.largest_fragment &&
      !run_stage("largest_fragment", result, [&] { cur.reset(fragment_chooser().choose(current())); })) {
    return result;
  }
  if (params.uncharge && !run_stage("uncharge", result, [&] { cur.reset(uncharger().uncharge(current())); })) {
    return result;
  }
  if (params.canonical_tautomer &&
      !run_stage("tautomer", result, [&] { cur.reset(tautomer_enumerator().canonicalize(current())); })) {
    return result;
  }

  if (!run_stage("copy", result, [&] { result.mol = std::make_unique<RDKit::RWMol>(current()); })) {
    return result;
  }
  if (!result.mol || result.mol->getNumAtoms() == 0) {
    result.mol.reset();
    result.reason = "empty molecule after standardisation";
    return result;
  }
  result.status = RecordStatus::ok;
  return result;
}

std::string to_string(const StandardizeParams& params) {
  std::string out;
  const auto add = [&out](bool on, const char* word) {
    if (!on) {
      return;
    }
    if (!out.empty()) {
      out += ',';
    }
    out += word;
  };
  add(params.cleanup, "cleanup");
  add(params.largest_fragment, "largest_fragment");
  add(params.uncharge, "uncharge");
  add(params.canonical_tautomer, "tautomer");
  return out.empty() ? "none" : out;
}

StandardizeParams parse_standardize_params(std::string_view spec) {
  const std::string_view whole = trim(spec);
  if (whole.empty()) {
    throw core::UsageError("empty standardization spec (use 'none', 'default' or a list like 'cleanup,uncharge')");
  }
  if (whole == "none") {
    return StandardizeParams{false, false, false, false};
  }
  if (whole == "default") {
    return StandardizeParams{};
  }

  StandardizeParams p{false, false, false, false};
  std::size_t start = 0;
  while (start <= whole.size()) {
    std::size_t comma = whole.find(',', start);
    if (comma == std::string_view::npos) {
      comma = whole.size();
    }
    const std::string_view word = trim(whole.substr(start, comma - start));
    if (word == "cleanup") {
      p.cleanup = true;
    } else if (word == "largest_fragment") {
      p.largest_fragment = true;
    } else if (word == "uncharge") {
      p.uncharge = true;
    } else if (word == "tautomer" || word == "canonical_tautomer") {
      p.canonical_tautomer = true;
    } else if (word == "none" || word == "default") {
      throw core::UsageError(core::str_cat("'", word, "' cannot be combined with other stages in '", whole, "'"));
    } else {
      throw core::UsageError(core::str_cat("unknown standardization stage '", word, "' in '", whole,
                                           "' (known: cleanup, largest_fragment, uncharge, tautomer, none, default)"));
    }
    start = comma + 1;
  }
  return p;
}

}  // namespace hitforge::chem
