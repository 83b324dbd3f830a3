#include "chem/scoring/query_screen.h"

// RDConfig.h first: it defines RDK_BUILD_THREADSAFE_SSS, which adds a mutex to RDKit::RecursiveStructureQuery.
// QueryOps.h does not include it itself, and without it this file would see a different class layout than the
// RDKit libraries (getQueryMol() then reads the wrong member and returns null).
#include <RDGeneral/RDConfig.h>
// clang-format off
#include <GraphMol/QueryAtom.h>
#include <GraphMol/QueryBond.h>
#include <GraphMol/QueryOps.h>
#include <GraphMol/ROMol.h>
// clang-format on

#include <array>
#include <cstdio>
#include <typeinfo>
#include <unordered_map>

namespace hitforge::chem {

namespace {

// Three-valued result of an atom query with recursive parts.
enum class Tri : std::uint8_t { yes, no, unknown };

// ---- structural keys: two queries with equal keys give the same Match result on every target ----------------------
//
// Only node classes whose Match depends on nothing but the fields written here are keyed structurally (RDKit's
// Query, EqualityQuery and its Greater/Less variants, RangeQuery, SetQuery, And/Or/XOr); any other class (e.g.
// AtomRingQuery, HasPropQuery) and every RecursiveStructureQuery are keyed by address, so they are never shared.
template <class T>
void append_ptr(std::string& out, T p) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%p", reinterpret_cast<const void*>(p));
  out += buf;
}

template <class Arg>
void query_key(const Queries::Query<int, Arg, true>* q, std::string& out) {
  using Base = Queries::Query<int, Arg, true>;
  using Eq = Queries::EqualityQuery<int, Arg, true>;
  using Gt = Queries::GreaterQuery<int, Arg, true>;
  using Ge = Queries::GreaterEqualQuery<int, Arg, true>;
  using Lt = Queries::LessQuery<int, Arg, true>;
  using Le = Queries::LessEqualQuery<int, Arg, true>;
  using Range = Queries::RangeQuery<int, Arg, true>;
  using Set = Queries::SetQuery<int, Arg, true>;
  using And = Queries::AndQuery<int, Arg, true>;
  using Or = Queries::OrQuery<int, Arg, true>;
  using XOr = Queries::XOrQuery<int, Arg, true>;
  const std::type_info& t = typeid(*q);
  out += q->getNegation() ? '!' : '+';
  auto funcs = [&] {
    out += '/';
    append_ptr(out, q->getDataFunc());
    out += '/';
    append_ptr(out, q->getMatchFunc());
  };
  if (t == typeid(RDKit::RecursiveStructureQuery)) {
    out += "REC";  // evaluated from its own query molecule: never shared
    append_ptr(out, q);
    return;
  } else if (t == typeid(Base)) {
    out += "Q";
    funcs();
  } else if (t == typeid(Eq) || t == typeid(Gt) || t == typeid(Ge) || t == typeid(Lt) || t == typeid(Le)) {
    const auto* e = static_cast<const Eq*>(q);
    out += t == typeid(Eq) ? "EQ" : t == typeid(Gt) ? "GT" : t == typeid(Ge) ? "GE" : t == typeid(Lt) ? "LT" : "LE";
    funcs();
    out += '/' + std::to_string(e->getVal()) + '/' + std::to_string(e->getTol());
  } else if (t == typeid(Range)) {
    const auto* r = static_cast<const Range*>(q);
    out += "RANGE";
    funcs();
    const auto ends = r->getEndsOpen();
    out += '/' + std::to_string(r->getLower()) + '/' + std::to_string(r->getUpper()) + '/' +
           std::to_string(r->getTol()) + '/' + (ends.first ? '1' : '0') + (ends.second ? '1' : '0');
  } else if (t == typeid(Set)) {
    const auto* s = static_cast<const Set*>(q);
    out += "SET";
    funcs();
    for (auto it = s->beginSet(); it != s->endSet(); ++it) out += '/' + std::to_string(*it);
  } else if (t == typeid(And) || t == typeid(Or) || t == typeid(XOr)) {
    out += t == typeid(And) ? "AND(" : t == typeid(Or) ? "OR(" : "XOR(";
    for (auto it = q->beginChildren(); it != q->endChildren(); ++it) {
      query_key<Arg>(it->get(), out);
      out += ',';
    }
    out += ')';
    return;
  } else {
    out += "PTR";
    append_ptr(out, q);
    return;
  }
  if (q->beginChildren() != q->endChildren()) {  // not expected for leaf classes; keep them unshared
    out += "PTR";
    append_ptr(out, q);
  }
}

bool has_recursion(const RDKit::Atom::QUERYATOM_QUERY* q) {
  if (typeid(*q) == typeid(RDKit::RecursiveStructureQuery)) return true;
  for (auto it = q->beginChildren(); it != q->endChildren(); ++it)
    if (has_recursion(it->get())) return true;
  return false;
}

}  // namespace

struct QueryScreen::Impl {
  // Atom query trees that contain recursive SMARTS, compiled once into nodes for three-valued evaluation.
  struct Node {
    enum Kind : std::uint8_t { leaf, plain_atom, recursive, op_and, op_or, op_xor, unknown } kind = unknown;
    bool negate = false;                                    // applied to recursive/and/or/xor results
    const RDKit::Atom::QUERYATOM_QUERY* query = nullptr;    // leaf: recursion-free subtree, RDKit's Match (exact)
    const RDKit::Atom* atom = nullptr;                      // plain_atom: Atom::Match
    std::vector<int> children;                              // and/or/xor
    // recursive $(X): node of X's atom 0 and, per bond of X's atom 0, the bond and the neighbour's node
    int root = -1;
    std::vector<std::pair<const RDKit::Bond*, int>> root_bonds;
  };
  std::vector<Node> nodes;

  int compile_atom(const RDKit::Atom* a, int depth) {
    if (!a->hasQuery()) {
      Node n;
      n.kind = Node::plain_atom;
      n.atom = a;
      nodes.push_back(n);
      return static_cast<int>(nodes.size() - 1);
    }
    return compile(a->getQuery(), depth);
  }
  int compile(const RDKit::Atom::QUERYATOM_QUERY* q, int depth) {
    Node n;
    n.negate = q->getNegation();
    const std::type_info& t = typeid(*q);
    if (t == typeid(RDKit::RecursiveStructureQuery)) {
      const RDKit::ROMol* sub = static_cast<const RDKit::RecursiveStructureQuery*>(q)->getQueryMol();
      if (sub && sub->getNumAtoms() > 0 && depth < 6) {
        n.kind = Node::recursive;
        const RDKit::Atom* r = sub->getAtomWithIdx(0);
        n.root = compile_atom(r, depth + 1);
        for (const RDKit::Bond* b : sub->atomBonds(r)) n.root_bonds.emplace_back(b, compile_atom(b->getOtherAtom(r), depth + 1));
      }  // else: unknown
    } else if (!has_recursion(q)) {
      n.kind = Node::leaf;
      n.query = q;
    } else if (t == typeid(RDKit::ATOM_AND_QUERY) || t == typeid(RDKit::ATOM_OR_QUERY) ||
               t == typeid(RDKit::ATOM_XOR_QUERY)) {
      n.kind = t == typeid(RDKit::ATOM_AND_QUERY) ? Node::op_and
               : t == typeid(RDKit::ATOM_OR_QUERY) ? Node::op_or
                                                    : Node::op_xor;
      for (auto it = q->beginChildren(); it != q->endChildren(); ++it) n.children.push_back(compile(it->get(), depth));
    }  // else: another node class above a recursive query: unknown
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size() - 1);
  }

  Tri eval(int id, const RDKit::Atom* target) const {
    const Node& n = nodes[static_cast<std::size_t>(id)];
    Tri res;
    switch (n.kind) {
      case Node::leaf:
        return n.query->Match(target) ? Tri::yes : Tri::no;  // Match applies the subtree's own negations
      case Node::plain_atom:
        return n.atom->Match(target) ? Tri::yes : Tri::no;
      case Node::unknown:
        return Tri::unknown;
      case Node::op_and:
        res = Tri::yes;
        for (int c : n.children) {
          const Tri v = eval(c, target);
          if (v == Tri::no) {
            res = Tri::no;
            break;
          }
          if (v == Tri::unknown) res = Tri::unknown;
        }
        break;
      case Node::op_or:
        res = Tri::no;
        for (int c : n.children) {
          const Tri v = eval(c, target);
          if (v == Tri::yes) {
            res = Tri::yes;
            break;
          }
          if (v == Tri::unknown) res = Tri::unknown;
        }
        break;
      case Node::op_xor: {  // XOrQuery::Match: true iff exactly one child matches
        int n_yes = 0;
        for (int c : n.children) {
          const Tri v = eval(c, target);
          if (v == Tri::unknown) return Tri::unknown;
          n_yes += v == Tri::yes;
        }
        res = n_yes == 1 ? Tri::yes : Tri::no;
        break;
      }
      case Node::recursive:
        res = eval_recursive(n, target);
        break;
      default:
        return Tri::unknown;
    }
    if (n.negate && res != Tri::unknown) res = res == Tri::yes ? Tri::no : Tri::yes;
    return res;
  }

  // A recursive node $(X) holds at `target` only if some embedding of X maps X's atom 0 to `target` (RDKit fills
  // its set with the target of query atom 0 of each match). Necessary for that: X's atom 0 may match `target`, and
  // X's bonds at atom 0 can go to distinct bonds of `target` with matching bond queries and neighbour atoms that
  // may match. When that fails the node is definitely false; otherwise unknown (never "yes": the set itself is
  // only known inside SubstructMatch). Negation is applied by the caller.
  Tri eval_recursive(const Node& n, const RDKit::Atom* target) const {
    if (eval(n.root, target) == Tri::no) return Tri::no;
    const unsigned nq = static_cast<unsigned>(n.root_bonds.size());
    if (nq == 0) return Tri::unknown;
    const unsigned nt = target->getDegree();
    if (nq > nt) return Tri::no;
    constexpr unsigned kMax = 8;
    if (nq > kMax || nt > kMax) return Tri::unknown;
    std::array<std::array<bool, kMax>, kMax> ok{};  // ok[i][j]: query bond i may go to target bond j
    const RDKit::ROMol& mol = target->getOwningMol();
    for (unsigned i = 0; i < nq; ++i) {
      const auto& [qb, nbr] = n.root_bonds[i];
      unsigned j = 0;
      bool any = false;
      for (const RDKit::Bond* tb : mol.atomBonds(target)) {
        ok[i][j] = qb->Match(tb) && eval(nbr, tb->getOtherAtom(target)) != Tri::no;
        any = any || ok[i][j];
        ++j;
      }
      if (!any) return Tri::no;
    }
    // Injective assignment of the nq query bonds to the nt target bonds (small backtracking).
    std::array<unsigned, kMax> pick{};
    unsigned used = 0, k = 0;
    while (true) {
      if (k == nq) return Tri::unknown;
      unsigned j = pick[k];
      while (j < nt && (((used >> j) & 1U) || !ok[k][j])) ++j;
      if (j < nt) {
        pick[k] = j;
        used |= 1U << j;
        if (++k < nq) pick[k] = 0;
      } else {
        if (k == 0) return Tri::no;
        --k;
        used &= ~(1U << pick[k]);
        ++pick[k];
      }
    }
  }

  struct AtomQuery {
    const RDKit::Atom* atom;  // representative query atom
    int node;                 // >= 0: compiled tree (has recursive SMARTS), evaluated three-valued
  };
  struct Star {
    int atom;                                // distinct atom-query id of the centre
    std::vector<std::array<int, 2>> nbrs;    // (bond-query id, atom-query id) per query bond of the centre
  };
  struct Plan {
    std::size_t n_atoms = 0, n_bonds = 0;
    std::vector<int> isolated;               // atom-query ids of query atoms without bonds
    std::vector<std::array<int, 3>> bonds;   // bond-query id, atom-query ids of the two ends
    std::vector<Star> stars;                 // query atoms with 2-4 bonds
  };

  std::vector<AtomQuery> atoms;
  std::vector<const RDKit::Bond*> bonds;
  std::unordered_map<std::string, int> atom_ids, bond_ids;
  std::vector<Plan> plans;

  int intern_atom(const RDKit::Atom* a) {
    std::string key;
    if (a->hasQuery()) {
      query_key<const RDKit::Atom*>(a->getQuery(), key);
    } else {  // a plain atom in a query molecule: Atom::Match, never shared
      key = "ATOM";
      append_ptr(key, a);
    }
    auto [it, inserted] = atom_ids.emplace(key, static_cast<int>(atoms.size()));
    if (inserted) atoms.push_back({a, a->hasQuery() && has_recursion(a->getQuery()) ? compile(a->getQuery(), 0) : -1});
    return it->second;
  }
  int intern_bond(const RDKit::Bond* b) {
    std::string key;
    if (b->hasQuery()) {
      query_key<const RDKit::Bond*>(b->getQuery(), key);
    } else {
      key = "BOND";
      append_ptr(key, b);
    }
    auto [it, inserted] = bond_ids.emplace(key, static_cast<int>(bonds.size()));
    if (inserted) bonds.push_back(b);
    return it->second;
  }

  bool atom_ok(Scratch& sc, int id, unsigned t) const {
    std::uint8_t& st = sc.atom_state[static_cast<std::size_t>(id) * sc.n_atoms + t];
    if (st == 0) {
      const AtomQuery& q = atoms[static_cast<std::size_t>(id)];
      const RDKit::Atom* target = sc.mol->getAtomWithIdx(t);
      bool ok;
      if (q.node >= 0)
        ok = eval(q.node, target) != Tri::no;
      else
        ok = q.atom->Match(target);
      st = ok ? 1 : 2;
    }
    return st == 1;
  }
  const std::uint64_t* bond_mask(Scratch& sc, int id) const {
    std::uint64_t* m = sc.bond_masks.data() + static_cast<std::size_t>(id) * sc.bond_words;
    if (!sc.bond_done[static_cast<std::size_t>(id)]) {
      const RDKit::Bond* q = bonds[static_cast<std::size_t>(id)];
      for (const RDKit::Bond* t : sc.mol->bonds())
        if (q->Match(t)) m[t->getIdx() / 64] |= std::uint64_t{1} << (t->getIdx() % 64);
      sc.bond_done[static_cast<std::size_t>(id)] = 1;
    }
    return m;
  }
  bool bond_ok(Scratch& sc, int id, unsigned bond_idx) const {
    return (bond_mask(sc, id)[bond_idx / 64] >> (bond_idx % 64)) & 1U;
  }

  // Assigns the star's query neighbours k.. to distinct target neighbours of `centre` (bitmask `used` over the
  // target neighbour positions).
  bool assign(Scratch& sc, const Star& s, std::size_t k, const std::array<std::pair<unsigned, unsigned>, 16>& tn,
              std::size_t n_tn, unsigned used) const {
    if (k == s.nbrs.size()) return true;
    for (std::size_t j = 0; j < n_tn; ++j) {
      if (used & (1U << j)) continue;
      if (!bond_ok(sc, s.nbrs[k][0], tn[j].first) || !atom_ok(sc, s.nbrs[k][1], tn[j].second)) continue;
      if (assign(sc, s, k + 1, tn, n_tn, used | (1U << j))) return true;
    }
    return false;
  }
  bool star_ok(Scratch& sc, const Star& s) const {
    std::array<std::pair<unsigned, unsigned>, 16> tn;  // (bond index, neighbour atom index)
    for (unsigned t = 0; t < sc.n_atoms; ++t) {
      const std::size_t deg = sc.adj_start[t + 1] - sc.adj_start[t];
      if (deg < s.nbrs.size()) continue;
      if (deg > tn.size()) return true;  // unusually high degree: do not try to screen
      if (!atom_ok(sc, s.atom, t)) continue;
      for (std::size_t k = 0; k < deg; ++k)
        tn[k] = {sc.adj[2 * (sc.adj_start[t] + k)], sc.adj[2 * (sc.adj_start[t] + k) + 1]};
      if (assign(sc, s, 0, tn, deg, 0)) return true;
    }
    return false;
  }
};

QueryScreen::QueryScreen() : impl_(std::make_unique<Impl>()) {}
QueryScreen::~QueryScreen() = default;

std::size_t QueryScreen::add(const RDKit::ROMol& query) {
  Impl& im = *impl_;
  Impl::Plan p;
  p.n_atoms = query.getNumAtoms();
  p.n_bonds = query.getNumBonds();
  std::vector<int> atom_id;
  for (const RDKit::Atom* a : query.atoms()) {
    atom_id.push_back(im.intern_atom(a));
    if (a->getDegree() == 0) p.isolated.push_back(atom_id.back());
  }
  std::vector<int> bond_id;
  for (const RDKit::Bond* b : query.bonds()) {
    bond_id.push_back(im.intern_bond(b));
    p.bonds.push_back({bond_id.back(), atom_id[b->getBeginAtomIdx()], atom_id[b->getEndAtomIdx()]});
  }
  for (const RDKit::Atom* a : query.atoms()) {
    if (a->getDegree() < 2 || a->getDegree() > 4) continue;
    Impl::Star s;
    s.atom = atom_id[a->getIdx()];
    for (const RDKit::Bond* b : query.atomBonds(a))
      s.nbrs.push_back({bond_id[b->getIdx()], atom_id[b->getOtherAtomIdx(a->getIdx())]});
    p.stars.push_back(std::move(s));
  }
  im.plans.push_back(std::move(p));
  return im.plans.size() - 1;
}

std::size_t QueryScreen::size() const { return impl_->plans.size(); }
std::size_t QueryScreen::num_atom_queries() const { return impl_->atoms.size(); }
std::size_t QueryScreen::num_bond_queries() const { return impl_->bonds.size(); }

void QueryScreen::reset(Scratch& sc, const RDKit::ROMol& mol) const {
  sc.mol = &mol;
  sc.n_atoms = mol.getNumAtoms();
  sc.n_bonds = mol.getNumBonds();
  sc.bond_words = (sc.n_bonds + 63) / 64;
  sc.atom_state.assign(impl_->atoms.size() * sc.n_atoms, 0);
  sc.bond_masks.assign(impl_->bonds.size() * sc.bond_words, 0);
  sc.bond_done.assign(impl_->bonds.size(), 0);
  sc.bond_ends.resize(2 * sc.n_bonds);
  for (const RDKit::Bond* b : mol.bonds()) {
    sc.bond_ends[2 * b->getIdx()] = b->getBeginAtomIdx();
    sc.bond_ends[2 * b->getIdx() + 1] = b->getEndAtomIdx();
  }
  sc.adj_start.assign(sc.n_atoms + 1, 0);
  for (std::size_t i = 0; i < sc.n_bonds; ++i) {
    ++sc.adj_start[sc.bond_ends[2 * i] + 1];
    ++sc.adj_start[sc.bond_ends[2 * i + 1] + 1];
  }
  for (std::size_t a = 0; a < sc.n_atoms; ++a) sc.adj_start[a + 1] += sc.adj_start[a];
  sc.adj.resize(4 * sc.n_bonds);
  std::vector<std::uint32_t>& fill = sc.adj_fill;
  fill.assign(sc.adj_start.begin(), sc.adj_start.end() - 1);
  for (std::uint32_t i = 0; i < sc.n_bonds; ++i) {
    const std::uint32_t a = sc.bond_ends[2 * i], b = sc.bond_ends[2 * i + 1];
    sc.adj[2 * fill[a]] = i, sc.adj[2 * fill[a] + 1] = b, ++fill[a];
    sc.adj[2 * fill[b]] = i, sc.adj[2 * fill[b] + 1] = a, ++fill[b];
  }
}

bool QueryScreen::may_match(std::size_t id, Scratch& sc) const {
  const Impl& im = *impl_;
  const Impl::Plan& p = im.plans[id];
  if (p.n_atoms > sc.n_atoms || p.n_bonds > sc.n_bonds) return false;
  for (const auto& qb : p.bonds) {  // cheapest first: some target bond matches each bond query
    const std::uint64_t* m = im.bond_mask(sc, qb[0]);
    bool any = false;
    for (std::size_t w = 0; w < sc.bond_words && !any; ++w) any = m[w] != 0;
    if (!any) return false;
  }
  for (int a : p.isolated) {
    bool found = false;
    for (unsigned t = 0; t < sc.n_atoms && !found; ++t) found = im.atom_ok(sc, a, t);
    if (!found) return false;
  }
  for (const auto& [bid, ia, ib] : p.bonds) {
    const std::uint64_t* m = im.bond_mask(sc, bid);
    bool found = false;
    for (std::size_t w = 0; w < sc.bond_words && !found; ++w) {
      for (std::uint64_t bits = m[w]; bits && !found; bits &= bits - 1) {
        const std::size_t tb = w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
        const unsigned a = sc.bond_ends[2 * tb], b = sc.bond_ends[2 * tb + 1];
        found = (im.atom_ok(sc, ia, a) && im.atom_ok(sc, ib, b)) || (im.atom_ok(sc, ia, b) && im.atom_ok(sc, ib, a));
      }
    }
    if (!found) return false;
  }
  for (const auto& s : p.stars)
    if (!im.star_ok(sc, s)) return false;
  return true;
}

}  // namespace hitforge::chem
