#pragma once
// Point mutations in the notation of deep mutational scans (ESM, ProteinGym): "H24C" = the wild-type H at residue
// 24 becomes C; multiple mutations are joined with ':' ("H24C:G30T"). Residue numbers are those of the scan, and
// `offset` is the number of the wild-type sequence's first residue (1 when the sequence starts at residue 1; ESM's
// --offset-idx). Synonymous entries ("H24H") are accepted.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::chem {

struct PointMutation {
  char wild_type = 0, mutant = 0;  ///< one-letter residues, upper case
  std::int64_t position = 0;       ///< residue number in the scan's numbering
};

/// Parses "H24C" or "H24C:G30T". Throws core::UsageError naming the text and what is wrong.
std::vector<PointMutation> parse_mutations(std::string_view text);

/// `wild_type` with `mutations` applied. Throws core::UsageError when a position falls outside the sequence or the
/// wild-type residue there differs from the one the mutation names (a numbering or offset mismatch).
std::string apply_mutations(std::string_view wild_type, const std::vector<PointMutation>& mutations,
                            std::int64_t offset = 1);

}  // namespace hitforge::chem
