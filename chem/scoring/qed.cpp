// QED as RDKit Python's rdkit.Chem.QED computes it; see qed.h for the contract. The numeric parameters and SMARTS
// are the published data of Bickerton et al. 2012 as RDKit parameterises them (rdkit/Chem/QED.py, version 1.1.0).
#include "chem/scoring/qed.h"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmartsWrite.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chem/scoring/scorer_params.h"
#include "core/error.h"

namespace hitforge::chem {
namespace {

// Asymmetric double sigmoid of the QED paper: d(x) = (a + b / (1 + e^{-(x-c+d/2)/e}) * (1 - 1 / (1 +
// e^{-(x-c-d/2)/f}))) / dmax, where dmax scales the maximum to 1.
struct AdsParams {
  double a, b, c, d, e, f, dmax;
};

// Order: mw, alogp, hba, hbd, psa, rotb, arom, alerts (the order of QedProperties).
constexpr std::array<AdsParams, 8> kAds = {{
    {2.817065973, 392.5754953, 290.7489764, 2.419764353, 49.22325677, 65.37051707, 104.9805561},
    {3.172690585, 137.8624751, 2.534937431, 4.581497897, 0.822739154, 0.576295591, 131.3186604},
    {2.948620388, 160.4605972, 3.615294657, 4.435986202, 0.290141953, 1.300669958, 148.7763046},
    {1.618662227, 1010.051101, 0.985094388, 0.000000001, 0.713820843, 0.920922555, 258.1632616},
    {1.876861559, 125.2232657, 62.90773554, 87.83366614, 12.01999824, 28.51324732, 104.5686167},
    {0.010000000, 272.4121427, 2.558379970, 1.565547684, 1.271567166, 2.758063707, 105.4420403},
    {3.217788970, 957.7374108, 2.274627939, 0.000000001, 1.317690384, 0.375760881, 312.3372610},
    {0.010000000, 1199.094025, -0.09002883, 0.000000001, 0.185904477, 0.875193782, 417.7253140},
}};

constexpr std::array<double, 8> kWeightsMean = {0.66, 0.46, 0.05, 0.61, 0.06, 0.65, 0.48, 0.95};
constexpr std::array<double, 8> kWeightsMax = {0.50, 0.25, 0.00, 0.50, 0.00, 0.50, 0.25, 1.00};
constexpr std::array<double, 8> kWeightsNone = {1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00};

// Aliphatic ring atoms bonded to at least one non-aromatic atom; deleting them leaves the aromatic ring systems
// whose SSSR size is QED's AROM.
constexpr const char* kAliphaticRingSmarts = "[$([A;R][!a])]";

constexpr const char* kAcceptorSmarts[] = {
    "[oH0;X2]",
    "[OH1;X2;v2]",
    "[OH0;X2;v2]",
    "[OH0;X1;v2]",
    "[O-;X1]",
    "[SH0;X2;v2]",
    "[SH0;X1;v2]",
    "[S-;X1]",
    "[nH0;X2]",
    "[NH0;X1;v3]",
    "[$([N;+0;X3;v3]);!$(N[C,S]=O)]",
};

constexpr const char* kAlertSmarts[] = {
    "*1[O,S,N]*1",
    "[S,C](=[O,S])[F,Br,Cl,I]",
    "[CX4][Cl,Br,I]",
    "[#6]S(=O)(=O)O[#6]",
    "[$([CH]),$(CC)]#CC(=O)[#6]",
    "[$([CH]),$(CC)]#CC(=O)O[#6]",
    "n[OH]",
    "[$([CH]),$(CC)]#CS(=O)(=O)[#6]",
    "C=C(C=O)C=O",
    "n1c([F,Cl,Br,I])cccc1",
    "[CH1](=O)",
    "[#8][#8]",
    "[C;!R]=[N;!R]",
    "[N!R]=[N!R]",
    "[#6](=O)[#6](=O)",
    "[#16][#16]",
    "[#7][NH2]",
    "C(=O)N[NH2]",
    "[#6]=S",
    "[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]=[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]",
    "C1(=[O,N])C=CC(=[O,N])C=C1",
    "C1(=[O,N])C(=[O,N])C=CC=C1",
    "a21aa3a(aa1aaaa2)aaaa3",
    "a31a(a2a(aa1)aaaa2)aaaa3",
    "a1aa2a3a(a1)A=AA=A3=AA=A2",
    "c1cc([NH2])ccc1",
    "[Hg,Fe,As,Sb,Zn,Se,se,Te,B,Si,Na,Ca,Ge,Ag,Mg,K,Ba,Sr,Be,Ti,Mo,Mn,Ru,Pd,Ni,Cu,Au,Cd,Al,Ga,Sn,Rh,Tl,Bi,Nb,Li,Pb,Hf,"
    "Ho]",
    "I",
    "OS(=O)(=O)[O-]",
    "[N+](=O)[O-]",
    "C(=O)N[OH]",
    "C1NC(=O)NC(=O)1",
    "[SH]",
    "[S-]",
    "c1ccc([Cl,Br,I,F])c([Cl,Br,I,F])c1[Cl,Br,I,F]",
    "c1cc([Cl,Br,I,F])cc([Cl,Br,I,F])c1[Cl,Br,I,F]",
    "[CR1]1[CR1][CR1][CR1][CR1][CR1][CR1]1",
    "[CR1]1[CR1][CR1]cc[CR1][CR1]1",
    "[CR2]1[CR2][CR2][CR2][CR2][CR2][CR2][CR2]1",
    "[CR2]1[CR2][CR2]cc[CR2][CR2][CR2]1",
    "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
    "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
    "C#C",
    "[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]",
    "[$([N+R]),$([n+R]),$([N+]=C)][O-]",
    "[#6]=N[OH]",
    "[#6]=NOC=O",
    "[#6](=O)[CX4,CR0X3,O][#6](=O)",
    "c1ccc2c(c1)ccc(=O)o2",
    "[O+,o+,S+,s+]",
    "N=C=O",
    "[NX3,NX4][F,Cl,Br,I]",
    "c1ccccc1OC(=O)[#6]",
    "[CR0]=[CR0][CR0]=[CR0]",
    "[C+,c+,C-,c-]",
    "N=[N+]=[N-]",
    "C12C(NC(N1)=O)CSC2",
    "c1c([OH])c([OH,NH2,NH])ccc1",
    "P",
    "[N,O,S]C#N",
    "C=C=O",
    "[Si][F,Cl,Br,I]",
    "[SX2]O",
    "[SiR0,CR0](c1ccccc1)(c2ccccc2)(c3ccccc3)",
    "O1CCCCC1OC2CCC3CCCCC3C2",
    "N=[CR0][N,n,O,S]",
    "[cR2]1[cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2][cR2]1[cR2]2[cR2][cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2]2",
    "C=[C!r]C#N",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])c([N+0X3R0,nX3R0])[cR2][cR2]1",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2]c([N+0X3R0,nX3R0])[cR2]1",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2][cR2]c1([N+0X3R0,nX3R0])",
    "[OH]c1ccc([OH,NH2,NH])cc1",
    "c1ccccc1OC(=O)O",
    "[SX2H0][N]",
    "c12ccccc1(SC(S)=N2)",
    "c12ccccc1(SC(=S)N2)",
    "c1nnnn1C=O",
    "s1c(S)nnc1NC=O",
    "S1C=CSC1=S",
    "C(=O)Onnn",
    "OS(=O)(=O)C(F)(F)F",
    "N#CC[OH]",
    "N#CC(=O)",
    "S(=O)(=O)C#N",
    "N[CH2]C#N",
    "C1(=O)NCC1",
    "S(=O)(=O)[O-,OH]",
    "NC[F,Cl,Br,I]",
    "C=[C!r]O",
    "[NX2+0]=[O+0]",
    "[OR0,NR0][OR0,NR0]",
    "C(=O)O[C,H1].C(=O)O[C,H1].C(=O)O[C,H1]",
    "[CX2R0][NX3R0]",
    "c1ccccc1[C;!R]=[C;!R]c2ccccc2",
    "[NX3R0,NX4R0,OR0,SX2R0][CX4][NX3R0,NX4R0,OR0,SX2R0]",
    "[s,S,c,C,n,N,o,O]~[n+,N+](~[s,S,c,C,n,N,o,O])(~[s,S,c,C,n,N,o,O])~[s,S,c,C,n,N,o,O]",
    "[s,S,c,C,n,N,o,O]~[nX3+,NX3+](~[s,S,c,C,n,N])~[s,S,c,C,n,N]",
    "[*]=[N+]=[*]",
    "[SX3](=O)[O-,OH]",
    "N#N",
    "F.F.F.F",
    "[R0;D2][R0;D2][R0;D2][R0;D2]",
    "[cR,CR]~C(=O)NC(=O)~[cR,CR]",
    "C=!@CC=[O,S]",
    "[#6,#8,#16][#6](=O)O[#6]",
    "c[C;R0](=[O,S])[#6]",
    "c[SX2][C;!R]",
    "C=C=C",
    "c1nc([F,Cl,Br,I,S])ncc1",
    "c1ncnc([F,Cl,Br,I,S])c1",
    "c1nc(c2c(n1)nc(n2)[F,Cl,Br,I])",
    "[#6]S(=O)(=O)c1ccc(cc1)F",
    "[15N]",
    "[13C]",
    "[18O]",
    "[34S]",
};

// True when an atom query contains a recursive SMARTS ($(...)). Those are evaluated only inside SubstructMatch
// (which fills their match sets first), so the screens below treat such atoms as matching anything.
bool query_has_recursion(const RDKit::Atom::QUERYATOM_QUERY* q) {
  if (!q) return false;
  if (q->getDescription() == "RecursiveStructure") return true;
  for (auto it = q->beginChildren(); it != q->endChildren(); ++it)
    if (query_has_recursion(it->get())) return true;
  return false;
}

bool atom_has_recursion(const RDKit::Atom* a) {
  return a->hasQuery() && query_has_recursion(a->getQuery());
}

// Alert screening. Most of QED's 116 alerts cannot match a given molecule, and each SubstructMatch call is costly
// (VF2 state, recursive queries prepared under a lock). The alerts are built from only 82 distinct atom queries and 6
// bond queries, so for each molecule each (distinct query, target atom or bond) pair is evaluated at most once,
// and an alert goes to SubstructMatch only when every query bond has a target bond with a matching
// bond query and matching end atoms, and every isolated query atom has a matching target atom. That condition is
// necessary for a match, so counts are exactly SubstructMatch's.
struct ScreenedQuery {
  std::unique_ptr<RDKit::ROMol> query;
  std::vector<int> atom_ids;              // per query atom: distinct-atom-query id, -1 = recursive (wildcard)
  std::vector<int> isolated_ids;          // ids of query atoms without bonds
  std::vector<std::array<int, 3>> bonds;  // per query bond: distinct-bond-query id, begin atom, end atom
};

class AlertScreen {
 public:
  ScreenedQuery add(std::unique_ptr<RDKit::ROMol> q) {
    ScreenedQuery s;
    for (const RDKit::Atom* a : q->atoms()) {
      s.atom_ids.push_back(atom_has_recursion(a) ? -1 : intern(atoms_, a, RDKit::SmartsWrite::GetAtomSmarts(a)));
      if (a->getDegree() == 0 && s.atom_ids.back() >= 0) s.isolated_ids.push_back(s.atom_ids.back());
    }
    for (const RDKit::Bond* b : q->bonds()) {
      const int id = intern(bonds_, b, RDKit::SmartsWrite::GetBondSmarts(b));
      s.bonds.push_back({id, static_cast<int>(b->getBeginAtomIdx()), static_cast<int>(b->getEndAtomIdx())});
    }
    s.query = std::move(q);
    return s;
  }

  /// Per-molecule state, filled lazily: which target bonds match each distinct bond query (bit masks), and whether
  /// a target atom matches a distinct atom query (0 = not yet known, 1 = yes, 2 = no), so that each atom query is
  /// evaluated only on atoms at the ends of candidate bonds, at most once. One per thread, reused across calls.
  struct Scratch {
    const RDKit::ROMol* mol = nullptr;
    std::size_t n_atoms = 0, bond_words = 0;
    std::vector<std::uint8_t> atom_state;
    std::vector<std::uint64_t> bond_masks;
    std::vector<char> bond_done;
  };

  void reset(Scratch& sc, const RDKit::ROMol& mol) const {
    sc.mol = &mol;
    sc.n_atoms = mol.getNumAtoms();
    sc.bond_words = (mol.getNumBonds() + 63) / 64;
    sc.atom_state.assign(atoms_.size() * sc.n_atoms, 0);
    sc.bond_masks.assign(bonds_.size() * sc.bond_words, 0);
    sc.bond_done.assign(bonds_.size(), 0);
  }

  bool may_match(const ScreenedQuery& q, Scratch& sc) const {
    for (const auto& qb : q.bonds)  // cheapest test first: some target bond matches each bond query
      if (!any(bond_mask(sc, qb[0]), sc.bond_words)) return false;
    for (int id : q.isolated_ids) {
      bool found = false;
      for (unsigned t = 0; t < sc.n_atoms && !found; ++t) found = atom_ok(sc, id, t);
      if (!found) return false;
    }
    for (const auto& [bid, qa, qb] : q.bonds) {
      const int ia = q.atom_ids[static_cast<std::size_t>(qa)];
      const int ib = q.atom_ids[static_cast<std::size_t>(qb)];
      const std::uint64_t* bm = bond_mask(sc, bid);
      bool found = false;
      for (std::size_t w = 0; w < sc.bond_words && !found; ++w) {
        for (std::uint64_t bits = bm[w]; bits && !found; bits &= bits - 1) {
          const RDKit::Bond* tb = sc.mol->getBondWithIdx(static_cast<unsigned>(w * 64 + __builtin_ctzll(bits)));
          const unsigned a = tb->getBeginAtomIdx(), b = tb->getEndAtomIdx();
          found = (atom_ok(sc, ia, a) && atom_ok(sc, ib, b)) || (atom_ok(sc, ia, b) && atom_ok(sc, ib, a));
        }
      }
      if (!found) return false;
    }
    return true;
  }

 private:
  template <class T>
  static int intern(std::vector<std::pair<std::string, const T*>>& table, const T* x, const std::string& key) {
    for (std::size_t i = 0; i < table.size(); ++i)
      if (table[i].first == key) return static_cast<int>(i);
    table.emplace_back(key, x);
    return static_cast<int>(table.size() - 1);
  }
  static bool any(const std::uint64_t* m, std::size_t words) {
    for (std::size_t w = 0; w < words; ++w)
      if (m[w]) return true;
    return false;
  }
  bool atom_ok(Scratch& sc, int id, unsigned t) const {
    if (id < 0) return true;  // recursive query: only SubstructMatch can tell
    std::uint8_t& st = sc.atom_state[static_cast<std::size_t>(id) * sc.n_atoms + t];
    if (st == 0) st = atoms_[static_cast<std::size_t>(id)].second->Match(sc.mol->getAtomWithIdx(t)) ? 1 : 2;
    return st == 1;
  }
  const std::uint64_t* bond_mask(Scratch& sc, int id) const {
    std::uint64_t* m = sc.bond_masks.data() + static_cast<std::size_t>(id) * sc.bond_words;
    if (!sc.bond_done[static_cast<std::size_t>(id)]) {
      const RDKit::Bond* q = bonds_[static_cast<std::size_t>(id)].second;
      for (const RDKit::Bond* t : sc.mol->bonds())
        if (q->Match(t)) m[t->getIdx() / 64] |= std::uint64_t{1} << (t->getIdx() % 64);
      sc.bond_done[static_cast<std::size_t>(id)] = 1;
    }
    return m;
  }

  // Pointers into the ScreenedQuery molecules, which live as long as the patterns (function-local static).
  std::vector<std::pair<std::string, const RDKit::Atom*>> atoms_;
  std::vector<std::pair<std::string, const RDKit::Bond*>> bonds_;
};

// One Crippen parameter prepared for rooted matching. Nearly all of RDKit's Crippen patterns are "stars" (every bond
// touches the typed atom 0), for which "does an embedding map atom 0 to target atom t" is a small assignment of the
// query neighbours to distinct neighbours of t, with no SubstructMatch call.
struct CrippenPlan {
  const RDKit::Descriptors::CrippenParams* param = nullptr;
  bool plain = false;  // no recursive queries anywhere
  bool star = false;   // plain, and every bond involves atom 0 (at most 4 neighbours)
  std::vector<const RDKit::Bond*> nbr_bonds;
  std::vector<const RDKit::Atom*> nbr_atoms;
};

struct QedPatterns {
  std::unique_ptr<RDKit::ROMol> aliphatic_ring;  // only for the exact fallback of aromatic_ring_count()
  std::vector<ScreenedQuery> acceptors;
  AlertScreen alert_screen;
  std::vector<ScreenedQuery> alerts;
  const RDKit::Descriptors::CrippenParamCollection* crippen = nullptr;
  std::vector<CrippenPlan> crippen_plans;
};

std::unique_ptr<RDKit::ROMol> compile_smarts(const char* smarts) {
  std::unique_ptr<RDKit::ROMol> q(RDKit::SmartsToMol(smarts));
  // The SMARTS are compiled-in data, so a parse failure is a bug (or an incompatible RDKit), not user input.
  HITFORGE_CHECK(q != nullptr, "QED SMARTS does not parse: ", smarts);
  return q;
}

CrippenPlan plan_crippen(const RDKit::Descriptors::CrippenParams& param) {
  CrippenPlan plan;
  plan.param = &param;
  const RDKit::ROMol& q = *param.dp_pattern;
  plan.plain = true;
  for (const RDKit::Atom* a : q.atoms()) plan.plain = plan.plain && !atom_has_recursion(a);
  plan.star = plan.plain && q.getAtomWithIdx(0)->getDegree() == q.getNumBonds() && q.getNumBonds() <= 4;
  if (plan.star) {
    for (const RDKit::Bond* b : q.bonds()) {
      plan.nbr_bonds.push_back(b);
      plan.nbr_atoms.push_back(b->getOtherAtom(q.getAtomWithIdx(0)));
    }
  }
  return plan;
}

// Compiled on first use; a function-local static is initialised exactly once even when OpenMP threads race here,
// and RDKit (built with RDK_BUILD_THREADSAFE_SSS) matches one query molecule from several threads safely.
const QedPatterns& patterns() {
  static const QedPatterns p = [] {
    QedPatterns out;
    out.aliphatic_ring = compile_smarts(kAliphaticRingSmarts);
    AlertScreen acceptor_ids;  // acceptors use only the per-atom fields
    for (const char* s : kAcceptorSmarts) out.acceptors.push_back(acceptor_ids.add(compile_smarts(s)));
    for (const char* s : kAlertSmarts) out.alerts.push_back(out.alert_screen.add(compile_smarts(s)));
    out.crippen = RDKit::Descriptors::CrippenParamCollection::getParams();
    for (const auto& param : *out.crippen) out.crippen_plans.push_back(plan_crippen(param));
    return out;
  }();
  return p;
}

// Rooted match of a star pattern: can the query neighbours be assigned to distinct neighbours of `t` (bond and
// atom queries matching)? Backtracking over at most 4 query neighbours.
bool star_match_rooted(const CrippenPlan& plan, const RDKit::ROMol& mol, const RDKit::Atom* t, std::size_t j,
                       std::uint32_t used) {
  if (j == plan.nbr_atoms.size()) return true;
  unsigned slot = 0;
  for (const auto& nb : boost::make_iterator_range(mol.getAtomBonds(t))) {
    const RDKit::Bond* tb = mol[nb];
    if (slot < 32 && !(used & (1u << slot)) && plan.nbr_bonds[j]->Match(tb) &&
        plan.nbr_atoms[j]->Match(tb->getOtherAtom(t)) && star_match_rooted(plan, mol, t, j + 1, used | (1u << slot)))
      return true;
    ++slot;
  }
  return false;
}

// Number of ordered k-tuples of distinct neighbours over all atoms: an upper bound on a k-neighbour star pattern's
// embeddings, used to stay clear of SubstructMatch's 1000-match cap (which RDKit's Crippen code is subject to).
std::array<double, 5> star_embedding_bounds(const RDKit::ROMol& mol) {
  std::array<double, 5> s{};
  for (const RDKit::Atom* a : mol.atoms()) {
    double perm = 1.0;
    const double d = a->getDegree();
    for (int k = 0; k <= 4; ++k) {
      s[static_cast<std::size_t>(k)] += perm;
      perm *= std::max(0.0, d - k);
    }
  }
  return s;
}

// Wildman–Crippen logP exactly as RDKit's calcCrippenDescriptors(mol, includeHs=true) computes it: on a copy with
// explicit hydrogens, each atom takes the first parameter (in RDKit's order) whose pattern matches with that atom
// as the pattern's first atom; contributions are summed in atom order. RDKit runs SubstructMatch for every
// parameter until all atoms are typed; here each untyped atom is tested directly against star patterns (all but a
// few), and SubstructMatch with RDKit's arguments handles the rest, which types the same atoms.
double crippen_logp(const RDKit::ROMol& mol, const QedPatterns& pat) {
  const std::unique_ptr<RDKit::ROMol> h(RDKit::MolOps::addHs(mol, /*explicitOnly=*/false, /*addCoords=*/false));
  const unsigned n = h->getNumAtoms();
  if (n > 1000) {
    // SubstructMatch stops at 1000 matches, which can leave atoms to later parameters in RDKit; use RDKit itself.
    double logp = 0.0, mr = 0.0;
    RDKit::Descriptors::calcCrippenDescriptors(mol, logp, mr, /*includeHs=*/true, /*force=*/true);
    return logp;
  }
  const std::array<double, 5> bound = star_embedding_bounds(*h);
  std::vector<double> contrib(n, 0.0);
  std::vector<char> needed(n, 1);
  unsigned n_needed = n;
  RDKit::SubstructMatchParameters all_embeddings;
  all_embeddings.uniquify = false;  // as RDKit's Crippen code
  for (const CrippenPlan& plan : pat.crippen_plans) {
    if (n_needed == 0) break;
    const RDKit::ROMol& q = *plan.param->dp_pattern;
    const RDKit::Atom* q0 = q.getAtomWithIdx(0);
    if (plan.star && bound[plan.nbr_atoms.size()] < 1000.0) {
      for (unsigned i = 0; i < n; ++i) {
        const RDKit::Atom* t = h->getAtomWithIdx(i);
        if (needed[i] && q0->Match(t) && star_match_rooted(plan, *h, t, 0, 0))
          needed[i] = 0, contrib[i] = plan.param->logp, --n_needed;
      }
      continue;
    }
    if (plan.plain) {  // skip SubstructMatch when no untyped atom can be the pattern's atom 0
      bool candidate = false;
      for (unsigned i = 0; i < n && !candidate; ++i) candidate = needed[i] && q0->Match(h->getAtomWithIdx(i));
      if (!candidate) continue;
    }
    for (const auto& match : RDKit::SubstructMatch(*h, q, all_embeddings)) {
      const auto idx = static_cast<unsigned>(match[0].second);
      if (needed[idx]) needed[idx] = 0, contrib[idx] = plan.param->logp, --n_needed;
    }
  }
  double logp = 0.0;
  for (double c : contrib) logp += c;
  return logp;
}

// QED's AROM: Chem.GetSSSR(Chem.DeleteSubstructs(mol, [$([A;R][!a])])). The SMARTS selects ring atoms that are not
// aromatic and have a non-aromatic neighbour over a single or aromatic bond (SMARTS's default bond); the SSSR size of
// what remains is its cycle rank, bonds − atoms + connected components, computed here without copying the
// molecule. Bonds of other orders (dative, zero, ...), whose ring treatment is RDKit's business, take RDKit's path.
double aromatic_ring_count(const RDKit::ROMol& mol, const QedPatterns& pat) {
  const RDKit::RingInfo* ri = mol.getRingInfo();
  const unsigned n = mol.getNumAtoms();
  std::vector<int> comp(n);  // union-find parents; -1 = deleted
  for (const RDKit::Atom* a : mol.atoms()) {
    bool deleted = false;
    if (!a->getIsAromatic() && ri->numAtomRings(a->getIdx()) > 0) {
      for (const auto& nb : boost::make_iterator_range(mol.getAtomBonds(a))) {
        const RDKit::Bond* b = mol[nb];
        const auto t = b->getBondType();
        if ((t == RDKit::Bond::SINGLE || t == RDKit::Bond::AROMATIC) && !b->getOtherAtom(a)->getIsAromatic()) {
          deleted = true;
          break;
        }
      }
    }
    comp[a->getIdx()] = deleted ? -1 : static_cast<int>(a->getIdx());
  }
  const auto find = [&comp](int x) {
    while (comp[x] != x) x = comp[x] = comp[comp[x]];
    return x;
  };
  int atoms = 0, bonds = 0, components = 0;
  for (unsigned i = 0; i < n; ++i) atoms += comp[i] >= 0;
  components = atoms;
  for (const RDKit::Bond* b : mol.bonds()) {
    const int u = static_cast<int>(b->getBeginAtomIdx());
    const int v = static_cast<int>(b->getEndAtomIdx());
    if (comp[u] < 0 || comp[v] < 0) continue;
    const auto t = b->getBondType();
    if (t != RDKit::Bond::SINGLE && t != RDKit::Bond::DOUBLE && t != RDKit::Bond::TRIPLE &&
        t != RDKit::Bond::AROMATIC) {
      const std::unique_ptr<RDKit::ROMol> rest(RDKit::deleteSubstructs(mol, *pat.aliphatic_ring));
      return RDKit::MolOps::findSSSR(*rest);
    }
    ++bonds;
    const int ru = find(u), rv = find(v);
    if (ru != rv) comp[ru] = rv, --components;
  }
  return bonds - atoms + components;
}

double ads(double x, const AdsParams& p) {
  // Same operation order as RDKit's Python so that values agree to the last bits, not only to 1e-4.
  const double exp1 = 1.0 + std::exp(-1.0 * (x - p.c + p.d / 2.0) / p.e);
  const double exp2 = 1.0 + std::exp(-1.0 * (x - p.c - p.d / 2.0) / p.f);
  const double dx = p.a + p.b / exp1 * (1.0 - 1.0 / exp2);
  return dx / p.dmax;
}

const std::array<double, 8>& weight_values(QedWeights w) {
  switch (w) {
    case QedWeights::max:
      return kWeightsMax;
    case QedWeights::none:
      return kWeightsNone;
    case QedWeights::mean:
      break;
  }
  return kWeightsMean;
}

bool has_hydrogen_atoms(const RDKit::ROMol& mol) {
  for (const RDKit::Atom* a : mol.atoms())
    if (a->getAtomicNum() == 1) return true;
  return false;
}

}  // namespace

QedProperties qed_properties(const RDKit::ROMol& input) {
  HITFORGE_REQUIRE(input.getRingInfo() && input.getRingInfo()->isInitialized(),
                   "QED needs a sanitised molecule (ring information is missing)");
  const QedPatterns& pat = patterns();

  // RDKit's QED works on Chem.RemoveHs(mol). Copying is only needed when there are hydrogen atoms to remove (the
  // usual SMILES input has none), so the common case avoids a molecule copy.
  std::unique_ptr<RDKit::ROMol> without_h;
  if (has_hydrogen_atoms(input)) without_h.reset(RDKit::MolOps::removeHs(input));
  const RDKit::ROMol& mol = without_h ? *without_h : input;

  QedProperties p{};
  p.mw = RDKit::Descriptors::calcAMW(mol, /*onlyHeavy=*/false);
  p.alogp = crippen_logp(mol, pat);
  p.hbd = RDKit::Descriptors::calcNumHBD(mol);
  // force=true: a value cached on the molecule by an earlier call with other options must not leak in.
  p.psa = RDKit::Descriptors::calcTPSA(mol, /*force=*/true, /*includeSandP=*/false);
  p.rotb = RDKit::Descriptors::calcNumRotatableBonds(mol, RDKit::Descriptors::Strict);

  p.arom = aromatic_ring_count(mol, pat);

  // Acceptors: atoms matched per pattern, summed over patterns (GetSubstructMatches with RDKit's defaults, which
  // for a one-atom pattern means each matching atom once, at most 1000).
  int hba = 0;
  for (const ScreenedQuery& q : pat.acceptors) {
    if (q.query->getNumAtoms() == 1 && q.atom_ids[0] >= 0) {
      const RDKit::Atom* qa = q.query->getAtomWithIdx(0);
      int n = 0;
      for (const RDKit::Atom* a : mol.atoms()) n += qa->Match(a);
      hba += std::min(n, 1000);
    } else {
      hba += static_cast<int>(RDKit::SubstructMatch(mol, *q.query).size());
    }
  }
  p.hba = hba;

  thread_local AlertScreen::Scratch scratch;
  pat.alert_screen.reset(scratch, mol);
  RDKit::SubstructMatchParameters first_match;
  first_match.maxMatches = 1;
  int alerts = 0;
  for (const ScreenedQuery& q : pat.alerts)
    if (pat.alert_screen.may_match(q, scratch) && !RDKit::SubstructMatch(mol, *q.query, first_match).empty()) ++alerts;
  p.alerts = alerts;
  return p;
}

double qed(const QedProperties& props, QedWeights weights) {
  const std::array<double, 8> x = {props.mw,  props.alogp, props.hba,  props.hbd,
                                   props.psa, props.rotb,  props.arom, props.alerts};
  const std::array<double, 8>& w = weight_values(weights);
  double t = 0.0;
  double wsum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    t += w[i] * std::log(ads(x[i], kAds[i]));  // ads() >= a / dmax > 0, so the log is finite
    wsum += w[i];
  }
  return std::exp(t / wsum);
}

double qed(const RDKit::ROMol& mol) {
  return qed(qed_properties(mol), QedWeights::mean);
}

namespace {

class QedScorer final : public MolScorer {
 public:
  explicit QedScorer(QedWeights weights) : weights_(weights) {}
  std::string name() const override { return "qed"; }
  nlohmann::json params() const override { return {{"name", "qed"}, {"weights", weights_name()}}; }
  std::vector<std::string> columns() const override { return {"qed"}; }
  void compute(const RDKit::ROMol& mol, double* out, std::string* note) const override {
    out[0] = qed(qed_properties(mol), weights_);
    if (note) note->clear();
  }

 private:
  const char* weights_name() const {
    switch (weights_) {
      case QedWeights::max:
        return "max";
      case QedWeights::none:
        return "none";
      case QedWeights::mean:
        break;
    }
    return "mean";
  }
  QedWeights weights_;
};

}  // namespace

MolScorerPtr make_qed_scorer(const nlohmann::json& params) {
  scoring_detail::check_keys(params, {"weights"});
  const std::string w = scoring_detail::get_string(params, "weights", "mean");
  QedWeights weights = QedWeights::mean;
  if (w == "max")
    weights = QedWeights::max;
  else if (w == "none")
    weights = QedWeights::none;
  else
    HITFORGE_REQUIRE(w == "mean", "scorer 'qed': parameter 'weights' must be \"mean\", \"max\" or \"none\", got \"", w,
                     "\"");
  return std::make_unique<QedScorer>(weights);
}

}  // namespace hitforge::chem
