#pragma once
// Exact necessary-condition screen for RDKit substructure queries, for running many SMARTS queries (structural-alert
// catalogs) against one molecule.
//
// For a query q and molecule m, may_match(q) == false only if RDKit::SubstructMatch(m, q) (default parameters:
// no chirality, no query-query matching, recursion allowed) has no match. It checks, from the query's atom and bond
// queries evaluated on the target's atoms and bonds with the same Atom::Match / Bond::Match calls SubstructMatch's
// VF2 compatibility test uses:
//   * the query has no more atoms / bonds than the molecule (embeddings are injective);
//   * every query bond has some target bond that its bond query accepts and whose end atoms its end atom queries
//     accept (in either orientation);
//   * every isolated query atom has some target atom that its query accepts;
//   * every query atom with 2-4 bonds has some target atom that its query accepts and whose neighbours can be
//     assigned, one distinct neighbour per query bond, with compatible bond and neighbour atom queries.
// Atom queries containing recursive SMARTS ($(...)) are evaluated with three-valued logic. A recursive node's own
// match set is only filled inside SubstructMatch, so it is never called here; instead $(X) is "no" at a target atom
// when X's first atom cannot match it or X's bonds at that atom cannot go to distinct bonds of it (with compatible
// bond and neighbour-atom queries, evaluated the same way), and "unknown" otherwise. AND/OR/XOR/negation propagate
// "unknown", and only a definite "no" rejects. Each distinct atom (bond) query is evaluated at most once per
// target atom (bond), lazily; queries are shared between catalog entries when they are structurally identical
// (same node types, match/data functions, values and negation).
//
// The screen is immutable after construction; per-molecule state lives in a Scratch (one per thread).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
class Atom;
class Bond;
}  // namespace RDKit

namespace hitforge::chem {

class QueryScreen {
 public:
  QueryScreen();
  ~QueryScreen();
  QueryScreen(const QueryScreen&) = delete;
  QueryScreen& operator=(const QueryScreen&) = delete;

  /// Registers a query molecule (it is referenced, not copied: it must outlive the screen). Returns its id.
  std::size_t add(const RDKit::ROMol& query);
  std::size_t size() const;
  /// Distinct atom / bond queries over all registered queries (for reports).
  std::size_t num_atom_queries() const;
  std::size_t num_bond_queries() const;

  /// Per-molecule, per-thread state.
  struct Scratch {
    const RDKit::ROMol* mol = nullptr;
    std::size_t n_atoms = 0, n_bonds = 0, bond_words = 0;
    std::vector<std::uint8_t> atom_state;  // per (atom query, target atom): 0 unknown yet, 1 may match, 2 no
    std::vector<std::uint64_t> bond_masks;  // per bond query: target bonds it accepts
    std::vector<char> bond_done;
    std::vector<std::uint32_t> bond_ends;    // 2 per target bond: begin, end atom
    std::vector<std::uint32_t> adj_start;    // CSR adjacency: per atom, offsets into adj (n_atoms + 1)
    std::vector<std::uint32_t> adj;          // 2 per entry: bond index, neighbour atom index
    std::vector<std::uint32_t> adj_fill;
  };

  /// Prepares `sc` for molecule `mol` (which must have ring information if any query needs it, as for
  /// SubstructMatch). `mol` must stay alive and unchanged while `sc` is used with it.
  void reset(Scratch& sc, const RDKit::ROMol& mol) const;
  /// False only if the query `id` cannot match the molecule `sc` was reset for.
  bool may_match(std::size_t id, Scratch& sc) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hitforge::chem
