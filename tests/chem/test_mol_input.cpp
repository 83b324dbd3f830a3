#include <catch2/catch.hpp>

#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <chrono>
#include <string>

#include "chem/mol_input.h"

using namespace hitforge::chem;

namespace {
std::string reason_of(std::string_view smi, const ParseParams& p = {}) {
  ParsedMol m = parse_smiles(smi, p);
  CHECK_FALSE(m.ok());
  CHECK(m.mol == nullptr);
  return m.reason;
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("valid SMILES parse to the same canonical SMILES as RDKit's default parser", "[chem]") {
  for (std::string smi : {"CCO", "c1ccccc1O", "C[C@H](N)C(=O)O", "F/C=C/F", "[2H]C([2H])([2H])O", "C[H]",
                          "CC(=O)[O-].[Na+]", "OC1=CC=CC=C1", "[nH]1cccc1", "CCO |$a;b;c$|"}) {
    ParsedMol m = parse_smiles(smi);
    INFO(smi << ": " << m.reason);
    REQUIRE(m.ok());
    CHECK(m.reason.empty());
    std::unique_ptr<RDKit::RWMol> ref(RDKit::SmilesToMol(smi));
    REQUIRE(ref);
    CHECK(canonical_smiles(*m.mol) == canonical_smiles(*ref));
    CHECK(m.mol->getNumAtoms() == ref->getNumAtoms());
  }
}

TEST_CASE("adversarial SMILES end invalid with a reason, never throw", "[chem]") {
  CHECK(reason_of("") == "empty SMILES");
  CHECK(contains(reason_of("C("), "syntax"));
  CHECK(contains(reason_of("c1cccc1"), "kekulize"));
  CHECK(contains(reason_of("C(C)(C)(C)(C)C"), "valence"));
  CHECK(reason_of("CC O") == "whitespace inside SMILES at position 2");
  CHECK(reason_of("CC\tO") == "whitespace inside SMILES at position 2");
  CHECK(reason_of(std::string("CC\0O", 4)) == "NUL byte at position 2");
  CHECK(contains(reason_of("CC\xC3\xA9O"), "non-ASCII byte 0xc3 at position 2"));
  CHECK(contains(reason_of("CC\x01O"), "control character"));
  CHECK(contains(reason_of("CCO |(0,0,;1,1|"), "parse"));
  CHECK(contains(reason_of("C1CC"), "syntax"));
  ParseParams strict;
  strict.allow_cxsmiles = false;
  CHECK(contains(reason_of("CCO |$a;b;c$|", strict), "whitespace"));
}

TEST_CASE("size limits reject huge inputs before RDKit sees them", "[chem]") {
  // Sanitising a 4,000-carbon chain takes ~50 s in RDKit 2022.09; the text estimate rejects it at once.
  std::string chain(4000, 'C');
  auto t0 = std::chrono::steady_clock::now();
  std::string why = reason_of(chain);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(contains(why, "too many heavy atoms (about 4000 > limit 500)"));
  CHECK(seconds < 1.0);

  std::string frags = "C";
  for (int i = 1; i < 10000; ++i) frags += ".C";
  CHECK(contains(reason_of(frags), "too long"));
  ParseParams roomy;
  roomy.max_length = 100000;
  CHECK(contains(reason_of(frags, roomy), "too many fragments (10000 > limit 100)"));

  ParseParams tiny;
  tiny.max_heavy_atoms = 5;
  CHECK(contains(reason_of("CCCCCC", tiny), "too many heavy atoms"));
  CHECK(parse_smiles("CCCCC", tiny).ok());
  // Explicit hydrogens and bracket hydrogens are not heavy atoms.
  CHECK(parse_smiles("[H]C([H])([H])[H]", tiny).ok());
  CHECK(contains(check_smiles_text(std::string(6000, 'C'), {}), "too long"));
}

TEST_CASE("molblocks parse with the same limits", "[chem]") {
  std::unique_ptr<RDKit::RWMol> ref(RDKit::SmilesToMol("c1ccccc1O"));
  std::string block =
      "phenol\n  test\n\n  7  7  0  0  0  0  0  0  0  0999 V2000\n"
      "    0.0000    0.0000    0.0000 C   0  0\n    0.0000    0.0000    0.0000 C   0  0\n"
      "    0.0000    0.0000    0.0000 C   0  0\n    0.0000    0.0000    0.0000 C   0  0\n"
      "    0.0000    0.0000    0.0000 C   0  0\n    0.0000    0.0000    0.0000 C   0  0\n"
      "    0.0000    0.0000    0.0000 O   0  0\n"
      "  1  2  4  0\n  2  3  4  0\n  3  4  4  0\n  4  5  4  0\n  5  6  4  0\n  6  1  4  0\n  1  7  1  0\n"
      "M  END\n";
  ParsedMol m = parse_molblock(block);
  INFO(m.reason);
  REQUIRE(m.ok());
  CHECK(canonical_smiles(*m.mol) == "Oc1ccccc1");
  CHECK_FALSE(parse_molblock("x\n").ok());
  CHECK_FALSE(parse_molblock("t\n\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\ngarbage\nM  END\n").ok());
  // The counts line is checked before RDKit reads the atom block.
  std::string huge = "t\n\n\n999  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n";
  ParseParams tiny;
  tiny.max_heavy_atoms = 100;
  CHECK(contains(parse_molblock(huge, tiny).reason, "too many atoms in the counts line (999)"));
}
