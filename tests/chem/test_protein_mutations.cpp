// Deep-mutational-scan mutation notation: parsing, applying with an offset, and the errors that name what is wrong.
#include <catch2/catch.hpp>

#include "chem/protein_mutations.h"
#include "core/error.h"

using hitforge::chem::apply_mutations;
using hitforge::chem::parse_mutations;
using hitforge::core::UsageError;
using Catch::Matchers::Contains;

TEST_CASE("parse_mutations reads single and ':'-joined mutations", "[chem][protein]") {
  auto one = parse_mutations("H24C");
  REQUIRE(one.size() == 1);
  CHECK(one[0].wild_type == 'H');
  CHECK(one[0].position == 24);
  CHECK(one[0].mutant == 'C');
  auto two = parse_mutations("h24c:G130T");
  REQUIRE(two.size() == 2);
  CHECK(two[0].wild_type == 'H');
  CHECK(two[0].mutant == 'C');
  CHECK(two[1].position == 130);
  for (const char* bad : {"", "24C", "H24", "HC", "H2x4C", "H24C:", "H-1C"})
    CHECK_THROWS_AS(parse_mutations(bad), UsageError);
}

TEST_CASE("apply_mutations respects the offset and checks the wild-type residue", "[chem][protein]") {
  const std::string wt = "MSIQHFRV";  // residue 1 = M
  CHECK(apply_mutations(wt, parse_mutations("M1A")) == "ASIQHFRV");
  CHECK(apply_mutations(wt, parse_mutations("S2W:V8L")) == "MWIQHFRL");
  // numbered from 24, as a scan of a mature protein: H is residue 28
  CHECK(apply_mutations(wt, parse_mutations("H28C"), 24) == "MSIQCFRV");
  CHECK(apply_mutations(wt, parse_mutations("H5H")) == wt);  // synonymous
  CHECK_THROWS_WITH(apply_mutations(wt, parse_mutations("Q5A")), Contains("has H at residue 5, not Q"));
  CHECK_THROWS_WITH(apply_mutations(wt, parse_mutations("M9A")), Contains("outside the wild type"));
  CHECK_THROWS_WITH(apply_mutations(wt, parse_mutations("M1A"), 24), Contains("outside the wild type"));
}
