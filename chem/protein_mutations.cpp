#include "chem/protein_mutations.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/error.h"

namespace hitforge::chem {
using core::str_cat;

std::vector<PointMutation> parse_mutations(std::string_view text) {
  std::vector<PointMutation> out;
  HITFORGE_REQUIRE(!text.empty(), "empty mutation");
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(':', start), text.size());
    const std::string_view m = text.substr(start, end - start);
    auto letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
    bool ok = m.size() >= 3 && letter(m.front()) && letter(m.back());
    for (std::size_t i = 1; ok && i + 1 < m.size(); ++i) ok = std::isdigit(static_cast<unsigned char>(m[i])) != 0;
    HITFORGE_REQUIRE(ok, "mutation '", m, "' in '", text, "' is not of the form H24C (wild type, residue number, ",
                     "mutant; several joined with ':')");
    PointMutation p;
    p.wild_type = static_cast<char>(std::toupper(static_cast<unsigned char>(m.front())));
    p.mutant = static_cast<char>(std::toupper(static_cast<unsigned char>(m.back())));
    HITFORGE_REQUIRE(m.size() - 2 <= 9, "mutation '", m, "': residue number too long");
    p.position = std::stoll(std::string(m.substr(1, m.size() - 2)));
    out.push_back(p);
    start = end + 1;
  }
  return out;
}

std::string apply_mutations(std::string_view wild_type, const std::vector<PointMutation>& mutations,
                            std::int64_t offset) {
  std::string seq(wild_type);
  for (const auto& m : mutations) {
    const std::int64_t i = m.position - offset;
    HITFORGE_REQUIRE(i >= 0 && i < static_cast<std::int64_t>(seq.size()), "mutation ", m.wild_type, m.position,
                     m.mutant, ": residue ", m.position, " is outside the wild type (residues ", offset, "..",
                     offset + static_cast<std::int64_t>(seq.size()) - 1, " with offset ", offset, ")");
    const char wt = static_cast<char>(std::toupper(static_cast<unsigned char>(wild_type[static_cast<std::size_t>(i)])));
    HITFORGE_REQUIRE(wt == m.wild_type, "mutation ", m.wild_type, m.position, m.mutant, ": the wild type has ", wt,
                     " at residue ", m.position, ", not ", m.wild_type, " (check the offset, now ", offset, ")");
    seq[static_cast<std::size_t>(i)] = m.mutant;
  }
  return seq;
}

}  // namespace hitforge::chem
