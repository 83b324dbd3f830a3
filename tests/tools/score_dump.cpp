// hitforge_score_dump: test support for tests/python/test_qed_sa_vs_rdkit.py. Reads one SMILES per line (first
// whitespace-separated token), parses it as RDKit's Chem.MolFromSmiles does, and prints one tab-separated row per
// line: index, qed, sa_score, then the eight QED properties (so that a mismatch can be traced to one property), or
// "index\tinvalid\treason". With --time, also measures single-thread throughput (per CPU second) of qed() and
// SaScoreModel::score() over the parsed molecules and prints it to stderr (a figure for the report, not a timed test).
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "chem/scoring/qed.h"
#include "chem/scoring/sa_score.h"

namespace {

using hitforge::chem::qed;
using hitforge::chem::qed_properties;
using hitforge::chem::SaScoreModel;

// Thread CPU time rather than wall time: the figure should not depend on what else the machine is running.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <class F>
double mols_per_second(const std::vector<std::unique_ptr<RDKit::ROMol>>& mols, F&& f) {
  std::size_t done = 0;
  const double start = thread_seconds();
  double elapsed = 0.0;
  volatile double sink = 0.0;  // keeps the optimiser from dropping the calls
  while (elapsed < 1.0 || done == 0) {
    for (const auto& m : mols)
      if (m) sink = sink + f(*m), ++done;
    elapsed = thread_seconds() - start;
  }
  return static_cast<double>(done) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (argc == 3 && std::strcmp(argv[2], "--time") != 0) || argc > 3) {
    std::cerr << "usage: hitforge_score_dump SMILES_FILE [--time]\n";
    return 2;
  }
  const bool timing = argc == 3;
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "hitforge_score_dump: cannot open " << argv[1] << "\n";
    return 2;
  }
  try {
    const SaScoreModel& sa = SaScoreModel::default_model();
    std::vector<std::unique_ptr<RDKit::ROMol>> mols;
    std::string line;
    for (std::size_t i = 0; std::getline(in, line); ++i) {
      std::istringstream ls(line);
      std::string smiles;
      ls >> smiles;
      std::unique_ptr<RDKit::ROMol> mol;
      std::string reason = "unparsable SMILES";
      try {
        mol.reset(RDKit::SmilesToMol(smiles));
      } catch (const std::exception& e) {
        reason = e.what();
      }
      if (!mol) {
        std::printf("%zu\tinvalid\t%s\n", i, reason.c_str());
        mols.emplace_back();
        continue;
      }
      const auto p = qed_properties(*mol);
      std::printf("%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%g\t%g\t%.17g\t%g\t%g\t%g\n", i, qed(p), sa.score(*mol), p.mw,
                  p.alogp, p.hba, p.hbd, p.psa, p.rotb, p.arom, p.alerts);
      mols.push_back(std::move(mol));
    }
    if (timing) {
      const double q = mols_per_second(mols, [](const RDKit::ROMol& m) { return qed(m); });
      const double s = mols_per_second(mols, [&sa](const RDKit::ROMol& m) { return sa.score(m); });
      std::fprintf(stderr, "qed_mol_per_s=%.0f sa_mol_per_s=%.0f\n", q, s);
    }
  } catch (const std::exception& e) {
    std::cerr << "hitforge_score_dump: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
