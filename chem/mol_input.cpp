#include "chem/mol_input.h"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <mutex>

#include "core/error.h"

namespace hitforge::chem {
using core::str_cat;

const char* to_string(RecordStatus s) {
  switch (s) {
    case RecordStatus::ok: return "ok";
    case RecordStatus::invalid: return "invalid";
    case RecordStatus::filtered: return "filtered";
  }
  return "?";
}

void quiet_rdkit_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");
  });
}

namespace {

bool is_atom_start(char c) {
  // Organic-subset atoms outside brackets: B C N O P S F Cl Br I and aromatic b c n o p s; '*' is a dummy atom.
  switch (c) {
    case 'B': case 'C': case 'N': case 'O': case 'P': case 'S': case 'F': case 'I':
    case 'b': case 'c': case 'n': case 'o': case 'p': case 's': case '*':
      return true;
    default:
      return false;
  }
}

// Upper bound on heavy atoms and exact count of '.'-separated fragments, from the text alone. Bracket atoms count
// one each unless they are explicit hydrogens ([H], [2H], [H+]).
void estimate_size(std::string_view smi, int& atoms, int& fragments) {
  atoms = 0;
  fragments = 1;
  for (size_t i = 0; i < smi.size(); ++i) {
    char c = smi[i];
    if (c == '[') {
      size_t j = i + 1;
      while (j < smi.size() && smi[j] >= '0' && smi[j] <= '9') ++j;  // isotope
      bool hydrogen = j < smi.size() && smi[j] == 'H' && (j + 1 >= smi.size() || !(smi[j + 1] >= 'a' && smi[j + 1] <= 'z'));
      if (!hydrogen) ++atoms;
      size_t close = smi.find(']', i + 1);
      i = close == std::string_view::npos ? smi.size() : close;
    } else if (c == '.') {
      ++fragments;
    } else if (is_atom_start(c)) {
      // "Cl" and "Br": the second letter is not an atom; "Sc"/"Cs" cannot appear outside brackets.
      ++atoms;
    }
  }
}

// Reasons are one line (RDKit messages can span several): whitespace runs become one space.
ParsedMol fail(const std::string& reason) {
  ParsedMol r;
  r.status = RecordStatus::invalid;
  for (char c : reason) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (r.reason.empty() || r.reason.back() == ' ')) continue;
    r.reason.push_back(space ? ' ' : c);
  }
  while (!r.reason.empty() && r.reason.back() == ' ') r.reason.pop_back();
  return r;
}

bool has_stereo_marks(std::string_view smi) {
  return smi.find_first_of("@/\\") != std::string_view::npos;
}

// Exact limits on the parsed (unsanitised) graph: the text estimate can be fooled by odd input.
std::string check_graph(const RDKit::ROMol& mol, const ParseParams& p) {
  int heavy = 0;
  for (const auto* atom : mol.atoms())
    if (atom->getAtomicNum() != 1) ++heavy;
  if (heavy > p.max_heavy_atoms)
    return str_cat("too many heavy atoms (", heavy, " > limit ", p.max_heavy_atoms, ")");
  if (heavy == 0 && mol.getNumAtoms() == 0) return "no atoms";
  return {};
}

}  // namespace

std::string check_smiles_text(std::string_view smi, const ParseParams& p) {
  if (smi.empty()) return "empty SMILES";
  if (smi.size() > p.max_length)
    return str_cat("SMILES too long (", smi.size(), " characters > limit ", p.max_length, ")");
  size_t core_end = smi.size();
  for (size_t i = 0; i < smi.size(); ++i) {
    auto c = static_cast<unsigned char>(smi[i]);
    if (c == ' ' && p.allow_cxsmiles && i > 0 && i + 1 < smi.size() && smi[i + 1] == '|' && core_end == smi.size()) {
      core_end = i;  // CXSMILES extension follows; RDKit validates its content
      continue;
    }
    if (c == 0) return str_cat("NUL byte at position ", i);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
      return str_cat("whitespace inside SMILES at position ", i);
    if (c < 0x20 || c == 0x7f) return str_cat("control character 0x", std::hex, int(c), std::dec, " at position ", i);
    if (c > 0x7e) return str_cat("non-ASCII byte 0x", std::hex, int(c), std::dec, " at position ", i);
  }
  int atoms = 0, fragments = 0;
  estimate_size(smi.substr(0, core_end), atoms, fragments);
  if (fragments > p.max_fragments)
    return str_cat("too many fragments (", fragments, " > limit ", p.max_fragments, ")");
  if (atoms > p.max_heavy_atoms)
    return str_cat("too many heavy atoms (about ", atoms, " > limit ", p.max_heavy_atoms, ")");
  return {};
}

namespace {
// Runs `body`, which returns the molecule or null with `why` set, and turns every exception — RDKit's own and plain
// std::exception alike — into an invalid record.
template <class Body>
ParsedMol guarded(Body&& body) {
  try {
    std::string why;
    std::unique_ptr<RDKit::RWMol> mol = body(why);
    if (!mol) return fail(why);
    ParsedMol out;
    out.status = RecordStatus::ok;
    out.mol = std::move(mol);
    return out;
  } catch (const std::exception& e) {
    return fail(str_cat("molecule rejected: ", e.what()));
  } catch (...) {
    return fail("molecule rejected: unknown error");
  }
}
}  // namespace

ParsedMol parse_smiles(std::string_view smiles, const ParseParams& p) {
  quiet_rdkit_logs();
  if (std::string why = check_smiles_text(smiles, p); !why.empty()) return fail(std::move(why));
  return guarded([&](std::string& why) -> std::unique_ptr<RDKit::RWMol> {
    RDKit::SmilesParserParams sp;
    sp.sanitize = false;
    sp.removeHs = false;
    sp.allowCXSMILES = p.allow_cxsmiles;
    sp.strictCXSMILES = true;
    sp.parseName = false;
    std::unique_ptr<RDKit::RWMol> mol;
    try {
      mol.reset(RDKit::SmilesToMol(std::string(smiles), sp));
    } catch (const std::exception& e) {
      why = str_cat("SMILES could not be parsed: ", e.what());
      return nullptr;
    }
    if (!mol) {
      why = "SMILES syntax error (RDKit could not parse it)";
      return nullptr;
    }
    if (why = check_graph(*mol, p); !why.empty()) return nullptr;
    // Same steps, in the same order, as RDKit's default SmilesToMol (sanitize + removeHs + stereo), so that
    // downstream features equal RDKit Python's Chem.MolFromSmiles.
    try {
      RDKit::MolOps::removeHs(*mol, /*implicitOnly=*/false, /*updateExplicitCount=*/true, /*sanitize=*/true);
    } catch (const std::exception& e) {
      why = str_cat("sanitisation failed: ", e.what());
      return nullptr;
    }
    if (has_stereo_marks(smiles))
      RDKit::MolOps::assignStereochemistry(*mol, /*cleanIt=*/true, /*force=*/true, /*flagPossible=*/true);
    return mol;
  });
}

ParsedMol parse_molblock(const std::string& molblock, const ParseParams& p) {
  quiet_rdkit_logs();
  // The V2000 counts line (4th line) gives the atom count before any parsing work.
  size_t pos = 0;
  for (int line = 0; line < 3 && pos != std::string::npos; ++line) {
    pos = molblock.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos || pos >= molblock.size()) return fail("truncated molblock (no counts line)");
  std::string counts = molblock.substr(pos, molblock.find('\n', pos) - pos);
  if (counts.find("V3000") == std::string::npos) {
    int n_atoms = std::atoi(counts.substr(0, 3).c_str());
    // Explicit hydrogens can triple the count; the exact heavy-atom check runs after parsing.
    if (n_atoms > p.max_heavy_atoms * 3)
      return fail(str_cat("too many atoms in the counts line (", n_atoms, ")"));
  }
  return guarded([&](std::string& why) -> std::unique_ptr<RDKit::RWMol> {
    std::unique_ptr<RDKit::RWMol> mol;
    try {
      mol.reset(RDKit::MolBlockToMol(molblock, /*sanitize=*/true, /*removeHs=*/true, /*strictParsing=*/true));
    } catch (const std::exception& e) {
      why = str_cat("molblock rejected: ", e.what());
      return nullptr;
    }
    if (!mol) {
      why = "molblock could not be parsed";
      return nullptr;
    }
    if (why = check_graph(*mol, p); !why.empty()) return nullptr;
    if (int frags = static_cast<int>(RDKit::MolOps::getMolFrags(*mol).size()); frags > p.max_fragments) {
      why = str_cat("too many fragments (", frags, " > limit ", p.max_fragments, ")");
      return nullptr;
    }
    return mol;
  });
}

std::string canonical_smiles(const RDKit::ROMol& mol) { return RDKit::MolToSmiles(mol); }

}  // namespace hitforge::chem
