// Generation metrics (chem/gen_metrics*.h) on sets small enough to check by hand. Golden values that are not
// hand-derived come from RDKit 2022.09.3 / scipy 1.10.1 / numpy 1.24.2 Python, with the command in a comment.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <nlohmann/json.hpp>

#include "chem/gen_metrics.h"
#include "chem/gen_metrics_filters.h"
#include "chem/gen_metrics_kl.h"
#include "chem/gen_metrics_plots.h"
#include "chem/gen_metrics_similarity.h"
#include "test_util.h"

using namespace hitforge::chem;
using Catch::Matchers::WithinAbs;

namespace {

std::unique_ptr<RDKit::RWMol> mol_from(const std::string& smiles) {
  std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles));
  REQUIRE(m);
  return m;
}

FingerprintBlock block(std::size_t words, const std::vector<std::vector<std::uint64_t>>& rows) {
  FingerprintBlock b;
  b.words = words;
  for (const auto& r : rows) {
    REQUIRE(r.size() == words);
    b.data.insert(b.data.end(), r.begin(), r.end());
  }
  return b;
}

GenMetricsParams params(int threads = 1) {
  GenMetricsParams p;
  p.threads = threads;
  p.chunk = 3;  // several chunks even for tiny sets: exercises the chunk merge
  return p;
}

}  // namespace

TEST_CASE("validity, unique@k and novelty are exact fractions of a hand-made set", "[chem]") {
  // 6 records: 4 valid (CCO twice, written two ways; benzene; acetic acid), 2 invalid.
  const std::vector<std::string> gen = {"CCO", "OCC", "not_a_smiles", "c1ccccc1", "C1CC", "CC(=O)O"};
  const MolSetDigest d = digest_smiles(gen, 0, params());
  CHECK(d.records == 6);
  CHECK(d.valid == 4);
  REQUIRE(d.canonical.size() == 4);
  CHECK(d.canonical[0] == d.canonical[1]);
  REQUIRE(d.invalid_examples.size() == 2);
  CHECK(d.invalid_examples[0].rfind("record 2: ", 0) == 0);  // names the record and the reason
  CHECK(d.invalid_examples[1].rfind("record 4: ", 0) == 0);

  const UniqueAtK u2 = unique_at_k(d.canonical, 2);  // first two valid: CCO, CCO
  CHECK(u2.used == 2);
  CHECK(u2.unique == 1);
  CHECK(u2.value == 0.5);
  CHECK(u2.complete);
  const UniqueAtK u1000 = unique_at_k(d.canonical, 1000);  // fewer than k: computed on what exists, flagged
  CHECK(u1000.used == 4);
  CHECK(u1000.unique == 3);
  CHECK(u1000.value == 0.75);
  CHECK_FALSE(u1000.complete);
  CHECK(std::isnan(unique_at_k({}, 10).value));

  // Training SMILES are canonicalised too: "OCC" and "C1=CC=CC=C1" are ethanol and benzene.
  const MolSetDigest train = digest_smiles({"OCC", "C1=CC=CC=C1", "CCN"}, 0, params());
  const Novelty nv = novelty(d.canonical, train.canonical);
  CHECK(nv.unique == 3);
  CHECK(nv.novel == 1);  // only acetic acid
  CHECK(nv.value == Approx(1.0 / 3).epsilon(1e-15));
}

TEST_CASE("one bad record never aborts a digest and every part stays aligned", "[chem]") {
  const std::vector<std::string> gen = {
      "CCO", "", "C[N+](C)(C)(C)C", "c1ccccc1CC", "CC(C)(C)(C)(C)C", "c1ccc(cc1)Cc1ccccc1", "[Si]"};
  const MolSetDigest d = digest_smiles(gen, kDigestAll, params(2));
  CHECK(d.records == 7);
  CHECK(d.valid == 4);  // "", the 5-valent N and the 5-valent C are invalid
  CHECK(d.morgan1024.size() == 4);
  CHECK(d.properties.size() == 4);
  CHECK(d.kl.size() == 4);
  CHECK(d.invalid_reasons.size() >= 2);
  // MOSES keeps scaffolds of >= 2 rings only: diphenylmethane's, not ethylbenzene's.
  REQUIRE(d.scaffolds.size() == 1);
  CHECK(d.scaffolds.begin()->first == "c1ccc(Cc2ccccc2)cc1");
  // Filters: ethanol, ethylbenzene and diphenylmethane pass; [Si] (SiH4) fails on its element.
  CHECK(d.filters_passed == 3);
  CHECK(d.filter_failures.at("element") == 1);
}

TEST_CASE("BRICS fragments are counted per occurrence, as MOSES' Counter does", "[chem]") {
  // Python: Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(Chem.MolFromSmiles(s))).split(".")
  const MolSetDigest d = digest_smiles({"c1ccc(cc1)Cc1ccccc1", "CCOc1ccccc1"}, kDigestFragments, params());
  CHECK(d.fragments.at("[16*]c1ccccc1") == 3);  // twice from diphenylmethane, once from phenetole
  CHECK(d.fragments.at("[8*]C[8*]") == 1);
  CHECK(d.fragments.at("[3*]O[3*]") == 1);
  CHECK(d.fragments.at("[4*]CC") == 1);
  CHECK(d.fragments.size() == 4);
}

TEST_CASE("count cosine similarity is MOSES' 1 - scipy cosine distance over the union of keys", "[chem]") {
  CHECK(count_cosine_similarity({{"a", 1}, {"b", 1}}, {{"a", 1}}) == Approx(1 / std::sqrt(2.0)).epsilon(1e-15));
  CHECK(count_cosine_similarity({{"a", 2}, {"b", 4}}, {{"a", 1}, {"b", 2}}) == Approx(1.0).epsilon(1e-15));
  CHECK(count_cosine_similarity({{"a", 1}}, {{"b", 1}}) == 0.0);
  CHECK(std::isnan(count_cosine_similarity({}, {{"b", 1}})));
}

TEST_CASE("IntDiv of identical molecules is 0 and SNN of a set against itself is 1", "[chem]") {
  const MolSetDigest d = digest_smiles({"CCO", "OCC", "C(O)C", "CCO"}, kDigestFingerprints, params());
  const InternalSimilaritySums s = internal_similarity_sums(d.morgan1024, 1);
  CHECK(internal_diversity(s, 1) == 0.0);
  CHECK(internal_diversity(s, 2) == 0.0);
  CHECK(internal_diversity_pooled(s, 2) == 0.0);
  const MolSetDigest e = digest_smiles({"CCO", "c1ccccc1", "CC(=O)Nc1ccccc1"}, kDigestFingerprints, params());
  CHECK(nearest_neighbour_similarity(e.morgan1024, e.morgan1024, 1) == 1.0);
}

TEST_CASE("IntDiv1, IntDiv2 and the pooled IntDiv2 on hand-computed fingerprints", "[chem]") {
  // a = 0b0111, b = 0b0011: T(a, b) = 2/3. With the diagonal (MOSES compares each molecule with itself too):
  //   IntDiv1 = 1 − (1 + 2/3)/2 = 1/6; IntDiv2 = 1 − sqrt((1 + 4/9)/2).
  const FingerprintBlock two = block(1, {{0b0111}, {0b0011}});
  const InternalSimilaritySums s = internal_similarity_sums(two, 1);
  CHECK_THAT(internal_diversity(s, 1), WithinAbs(1.0 / 6, 1e-15));
  CHECK_THAT(internal_diversity(s, 2), WithinAbs(1 - std::sqrt(13.0 / 18), 1e-15));
  CHECK_THAT(internal_diversity_pooled(s, 2), WithinAbs(1 - std::sqrt(13.0 / 18), 1e-15));
  // Three fingerprints: rows differ, so MOSES' per-row root and the paper's pooled root differ for p = 2.
  // T(a,b) = 2/3, T(a,c) = 0 (c = 0b1000), T(b,c) = 0. Rows of Σ T²: 1 + 4/9, 1 + 4/9, 1.
  const FingerprintBlock three = block(1, {{0b0111}, {0b0011}, {0b1000}});
  const InternalSimilaritySums t = internal_similarity_sums(three, 1);
  const double row_ab = std::sqrt((13.0 / 9) / 3), row_c = std::sqrt(1.0 / 3);
  CHECK_THAT(internal_diversity(t, 2), WithinAbs(1 - (2 * row_ab + row_c) / 3, 1e-15));
  CHECK_THAT(internal_diversity_pooled(t, 2), WithinAbs(1 - std::sqrt((2 * 13.0 / 9 + 1) / 9), 1e-15));
  CHECK_THAT(internal_diversity(t, 1), WithinAbs(1 - (2 * (5.0 / 3) + 1) / 9, 1e-15));
  CHECK(std::isnan(internal_diversity(internal_similarity_sums(FingerprintBlock{1, {}}, 1), 1)));
}

TEST_CASE("two empty fingerprints have Tanimoto 1, as MOSES sets 0/0 to 1", "[chem]") {
  const FingerprintBlock z = block(2, {{0, 0}, {0, 0}});
  CHECK(tanimoto(z.row(0), z.row(1), 2) == 1.0);
  CHECK(internal_diversity(internal_similarity_sums(z, 1), 1) == 0.0);
  CHECK(max_similarity_to(z, z, 1)[0] == 1.0);
}

TEST_CASE("similarity loops agree with a scalar double loop, serial and parallel, for every width", "[chem]") {
  std::mt19937_64 rng(7);
  for (std::size_t words : {1u, 16u, 64u}) {
    FingerprintBlock a, b;
    a.words = b.words = words;
    // Sparse random rows (about 1 bit in 8 set), as Morgan fingerprints are, plus an exact duplicate.
    const auto fill = [&](FingerprintBlock& f, std::size_t n) {
      for (std::size_t i = 0; i < n * words; ++i) f.data.push_back(rng() & rng() & rng());
    };
    fill(a, 300);
    fill(b, 170);
    a.data.insert(a.data.end(), b.data.begin(), b.data.begin() + static_cast<std::ptrdiff_t>(words));
    const std::size_t n = a.size(), m = b.size();
    std::vector<double> st(n, 0), st2(n, 0), best(n, 0), best_other(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const double t = tanimoto(a.row(i), a.row(j), words);
        st[i] += t;
        st2[i] += t * t;
        if (j != i) best_other[i] = std::max(best_other[i], t);
      }
      for (std::size_t j = 0; j < m; ++j) best[i] = std::max(best[i], tanimoto(a.row(i), b.row(j), words));
    }
    for (int threads : {1, 2}) {
      INFO("words " << words << ", threads " << threads);
      const InternalSimilaritySums s = internal_similarity_sums(a, threads);
      for (std::size_t i = 0; i < n; ++i) {
        REQUIRE_THAT(s.sum_t[i], WithinAbs(st[i], 1e-12));
        REQUIRE_THAT(s.sum_t2[i], WithinAbs(st2[i], 1e-12));
      }
      CHECK(max_similarity_to(a, b, threads) == best);
      CHECK(max_similarity_to_others(a, threads) == best_other);
    }
    CHECK(best.back() == 1.0);  // the duplicate row
  }
}

TEST_CASE("MOSES filters: first failing rule per molecule", "[chem]") {
  const MosesFilters& f = MosesFilters::instance();
  REQUIRE(f.mcf_names().size() == 22);
  const auto failed = [&](const std::string& smi) {
    const FilterVerdict v = f.check(*mol_from(smi));
    CHECK(v.passes == v.failed.empty());
    return v.failed;
  };
  CHECK(failed("CCO") == "");
  CHECK(failed("C1CCCCCC1") == "");            // 7-membered rings are allowed
  CHECK(failed("C1CCCCCCC1") == "ring_size");  // 8 and more are not
  CHECK(failed("CC[N+](C)(C)C") == "charge");
  CHECK(failed("CC[Si](C)C") == "element");
  CHECK(failed("CCI") == "element");  // iodine is not in MOSES' allowed set
  CHECK(failed("CC=O") == "mcf:MCF7");
  CHECK(failed("CCCl") == "mcf:MCF4");
  CHECK(failed("O=C1C=CC(=O)C=C1") == "pains");           // quinone_A(370)
  CHECK(failed("S=C1SC(=Cc2ccccc2)C(=O)N1") == "pains");  // ene_rhod_A(235)
}

TEST_CASE("BertzCT equals RDKit Python's GraphDescriptors.BertzCT", "[chem]") {
  // python3 -c "from rdkit import Chem; from rdkit.Chem import GraphDescriptors as G;
  //   print('%.17g' % G.BertzCT(Chem.MolFromSmiles(s)))"
  const std::pair<const char*, double> cases[] = {
      {"c1ccccc1", 71.96100505779535},
      {"C=CC#N", 48.793987519471216},
      {"CC.[Cl-]", 2.7548875021634682},
      {"[2H]C", 2.0},
      {"C", 0.0},
      {"CC.C", 0.0},
      {"CC(=O)Oc1ccccc1C(=O)O", 343.2228677267164},
      {"CN1CCC[C@H]1c1cccnc1", 245.27530899395384},
      {"O=C(O)c1ccccc1.[Na+]", 208.10590854015382},
      {"C#CC(C)(O)C=C", 105.83865231400492},
      {"CS(=O)(=O)N", 92.816358342692382},
  };
  for (const auto& [smi, want] : cases) {
    INFO(smi);
    CHECK_THAT(bertz_ct(*mol_from(smi)), WithinAbs(want, 1e-9));
  }
}

TEST_CASE("continuous and discrete KL equal GuacaMol's scipy/numpy computation", "[chem]") {
  // GuacaMol's continuous_kldiv / discrete_kldiv (scipy.stats.gaussian_kde, np.histogram(bins=10, density=True),
  // scipy.stats.entropy) on these lists gave the values below (scipy 1.10.1, numpy 1.24.2).
  const std::vector<double> a = {0, 1, 1, 2, 3, 3, 3, 5}, b = {1, 2, 2, 2, 4};
  const std::vector<double> a2 = {0.1, 0.35, 0.2, 0.9, 0.55, 0.6}, b2 = {0.3, 0.31, 0.8, 0.75};
  std::string why;
  CHECK_THAT(continuous_kl(a, b, &why), WithinAbs(0.050770374592909805, 1e-9));
  CHECK_THAT(continuous_kl(a2, b2, &why, 2), WithinAbs(0.017808699347019397, 1e-9));
  CHECK_THAT(discrete_kl(a, b, &why), WithinAbs(13.796411357259709, 1e-9));
  CHECK_THAT(discrete_kl(a2, b2, &why), WithinAbs(23.759820103910609, 1e-9));
  CHECK_THAT(discrete_kl({2, 2, 2}, {2, 2, 3}, &why), WithinAbs(0.0, 1e-12));  // constant: range widened by 0.5
  CHECK(why.empty());
  CHECK(std::isnan(continuous_kl({1, 1, 1}, b, &why)));
  CHECK(why.find("zero variance") != std::string::npos);
  why.clear();
  CHECK(std::isnan(discrete_kl({0, 1, 2}, {7, 8}, &why)));
  CHECK(why.find("range") != std::string::npos);
}

TEST_CASE("identical KL samples score 1; an undefined term counts 0", "[chem]") {
  const std::vector<std::string> smiles = {"CCO",
                                           "c1ccccc1",
                                           "CC(=O)Nc1ccccc1",
                                           "CCN(CC)CC",
                                           "OC(=O)c1ccccc1O",
                                           "C1CCCCC1N",
                                           "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
                                           "c1ccc2ccccc2c1"};
  const MolSetDigest d = digest_smiles(smiles, kDigestKl, params());
  REQUIRE(d.kl.size() == smiles.size());
  const KlResult same = guacamol_kl(d.kl, d.kl, 1);
  REQUIRE(same.terms.size() == 10);
  for (const auto& t : same.terms) {
    INFO(t.name << " " << t.reason);
    CHECK_THAT(t.kl, WithinAbs(0.0, 1e-12));
  }
  CHECK_THAT(same.score, WithinAbs(1.0, 1e-12));
  // A single generated molecule: every KDE of the generated side is undefined.
  const MolSetDigest one = digest_smiles({"CCO"}, kDigestKl, params());
  const KlResult r = guacamol_kl(d.kl, one.kl, 1);
  int undefined = 0;
  for (const auto& t : r.terms) undefined += std::isnan(t.kl);
  CHECK(undefined == 5);  // four continuous descriptors and the internal similarity
  CHECK(r.score <= 0.5 + 1e-12);
}

TEST_CASE("GuacaMol's sample is the unique non-isomeric molecules", "[chem]") {
  // Enantiomers and a re-written duplicate collapse to one non-isomeric SMILES.
  const MolSetDigest d =
      digest_smiles({"C[C@H](N)C(=O)O", "C[C@@H](N)C(=O)O", "CC(N)C(=O)O", "OCC", "CCO"}, kDigestKl, params());
  CHECK(d.kl.size() == 2);
}

TEST_CASE("the report says why FCD and other metrics are null", "[chem]") {
  const GenMetricsParams p = params();
  const MolSetDigest gen = digest_smiles({"CCO", "c1ccccc1CC", "CC(=O)Nc1ccccc1"}, kDigestAll, p);
  const MolSetDigest ref =
      digest_smiles({"CCN", "c1ccccc1C", "CC(=O)Oc1ccccc1"}, kDigestAll & ~static_cast<unsigned>(kDigestFilters), p);
  const GenMetrics m = compute_gen_metrics(gen, nullptr, ref, p);
  const nlohmann::json j = to_json(m, gen, nullptr, ref);
  CHECK(j["metrics"]["fcd"].is_null());
  CHECK(j["details"]["fcd"]["note"].get<std::string>().find("ChemNet") != std::string::npos);
  CHECK(j["metrics"]["novelty"].is_null());  // no training set
  CHECK(j["metrics"]["scaff"].is_null());    // no scaffold of >= 2 rings on either side
  CHECK(j["metrics"]["validity"].get<double>() == 1.0);
  CHECK_FALSE(j["details"]["unique@1000"]["complete"].get<bool>());
  bool fcd_note = false, scaff_note = false;
  for (const auto& n : j["notes"]) {
    fcd_note |= n.get<std::string>().rfind("fcd", 0) == 0;
    scaff_note |= n.get<std::string>().rfind("scaff", 0) == 0;
  }
  CHECK(fcd_note);
  CHECK(scaff_note);
}

TEST_CASE("property plots are SVG documents with both samples", "[chem]") {
  const std::string svg = property_plot_svg("MolWt", {100, 150, 200, 250}, {120, 180, 400});
  CHECK((svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0));
  CHECK(svg.find("generated") != std::string::npos);
  CHECK(svg.find("reference") != std::string::npos);
  hitforge::testing::TempDir dir;
  const MolSetDigest gen = digest_smiles({"CCO", "c1ccccc1CC"}, kDigestProperties, params());
  const MolSetDigest ref = digest_smiles({"CCN", "c1ccccc1C"}, kDigestProperties, params());
  const auto files = write_property_plots(gen, ref, dir.file("plots"), "gm_");
  CHECK(files.size() >= 4);  // MolWt, logP, QED, TPSA (+ SA when rdkit-data's fpscores.pkl.gz is installed)
  for (const auto& f : files) CHECK(f.path.find("/plots/gm_") != std::string::npos);
}
