#pragma once
// Metrics of a generated molecule set against a training and a reference (test) set: MOSES' validity, unique@k,
// novelty, IntDiv1/2, Filters, SNN, Frag and Scaff (Polykovskiy et al. 2020, Front. Pharmacol. 11:565644) and
// GuacaMol's KL-divergence score (Brown et al. 2019). Definitions, and every place they differ from the reference
// implementations, are in docs/generation.md ("Metrics"); the headers of the parts say the same per function:
//   chem/gen_metrics_similarity.h  IntDiv, SNN, GuacaMol's internal similarity (popcount Tanimoto, OpenMP)
//   chem/gen_metrics_filters.h     MOSES' Filters (rings, charges, elements, MCF, PAINS)
//   chem/gen_metrics_kl.h          GuacaMol's KL divergence (BertzCT and eight RDKit descriptors, KDE/histograms)
//   chem/gen_metrics_plots.h       generated-vs-reference property histograms (SVG)
// FCD is not computed (it needs ChemNet's trained weights, which are not available here); the JSON says so.
//
// Two steps. digest_*() streams one compound file (or a list of SMILES) in chunks and keeps per-molecule facts
// (canonical SMILES, 1024-bit Morgan fingerprints, fragment and scaffold counts, filter verdicts, descriptors) but no
// RDKit molecules, parsing and featurising each chunk in parallel; one bad record becomes one invalid record with a
// reason. compute_gen_metrics() then aggregates three digests into GenMetrics.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "chem/gen_metrics_kl.h"
#include "chem/gen_metrics_similarity.h"
#include "chem/mol_input.h"
#include "chem/molecule_reader.h"

namespace hitforge::chem {

/// What a digest computes beyond validity and canonical SMILES (bit flags).
enum GenDigestPart : unsigned {
  kDigestFingerprints = 1u << 0,  ///< Morgan radius 2, 1024 bits (IntDiv, SNN)
  kDigestFragments = 1u << 1,     ///< BRICS fragment counts (Frag)
  kDigestScaffolds = 1u << 2,     ///< Bemis–Murcko scaffold counts, scaffolds of >= 2 rings (Scaff)
  kDigestFilters = 1u << 3,       ///< MOSES filter verdicts
  kDigestKl = 1u << 4,            ///< GuacaMol KL sample (unique non-isomeric molecules)
  kDigestProperties = 1u << 5,    ///< MolWt, logP, QED, SA, TPSA per valid molecule (plots)
  kDigestAll = 0x3fu,
};

/// Per-molecule properties kept for the plots, in this order.
inline constexpr std::size_t kPlotPropertyCount = 5;
const std::array<const char*, kPlotPropertyCount>& plot_property_names();  // MolWt, logP, QED, SA, TPSA

struct GenMetricsParams {
  int threads = 1;           ///< OpenMP threads (the caller applies core/threads.h)
  std::size_t chunk = 2048;  ///< records parsed per parallel batch (memory ∝ chunk)
  ParseParams parse;         ///< limits for each record (chem/mol_input.h)
  bool progress = false;     ///< progress bar / lines on stderr while reading files
  std::vector<std::size_t> unique_k = {1000, 10000};
};

/// Everything the metrics need from one input set. No RDKit objects; per-molecule vectors are in input order of the
/// valid records.
struct MolSetDigest {
  std::string source;                                   ///< path, or "(list)" for digest_smiles
  unsigned parts = 0;                                   ///< GenDigestPart flags computed
  std::int64_t records = 0;                             ///< records read (blank and '#' lines of .smi are not records)
  std::int64_t valid = 0;                               ///< records that parsed and sanitised
  std::vector<std::string> invalid_examples;            ///< first 10 "record N (id): reason"
  std::map<std::string, std::int64_t> invalid_reasons;  ///< reason text (before any ':' detail) → count
  std::vector<std::string> canonical;                   ///< canonical isomeric SMILES (RDKit MolToSmiles defaults)
  FingerprintBlock morgan1024{16, {}};                  ///< one row per valid molecule
  std::map<std::string, double> fragments;              ///< BRICS fragment SMILES → occurrences
  std::map<std::string, double> scaffolds;              ///< scaffold SMILES → molecules
  std::int64_t scaffold_failures = 0;                   ///< molecules whose scaffold could not be computed
  std::map<std::string, std::int64_t> part_failures;    ///< other per-molecule failures, e.g. "fragments" → count
  std::int64_t filters_passed = 0;
  std::map<std::string, std::int64_t> filter_failures;  ///< first failing rule → molecules
  KlSample kl;                                          ///< unique non-isomeric molecules
  std::int64_t kl_unparsable = 0;  ///< non-isomeric SMILES that did not parse again (GuacaMol drops them)
  std::vector<std::array<double, kPlotPropertyCount>> properties;  ///< per valid molecule; NaN where not computable
  std::string properties_note;                                     ///< e.g. why SA is missing
};

/// Streams a compound file (.smi/.csv/.tsv/.sdf, optionally .gz; chem/molecule_reader.h). Throws UsageError only
/// for I/O and header problems (the reader's); bad records are counted, never thrown.
MolSetDigest digest_file(const std::string& path, const ReaderOptions& reader, unsigned parts,
                         const GenMetricsParams& params, const std::string& label);
/// The same over SMILES strings in memory (tests, small sets).
MolSetDigest digest_smiles(const std::vector<std::string>& smiles, unsigned parts, const GenMetricsParams& params);

/// MOSES fraction_unique over the first k valid molecules: unique canonical SMILES / molecules used.
struct UniqueAtK {
  std::size_t k = 0;
  std::size_t used = 0;  ///< min(k, valid)
  std::size_t unique = 0;
  double value = 0;       ///< NaN when used == 0
  bool complete = false;  ///< false when fewer than k valid molecules exist (MOSES only warns)
};
UniqueAtK unique_at_k(const std::vector<std::string>& canonical_valid, std::size_t k);

/// MOSES novelty: |unique generated ∖ train| / |unique generated| (canonical SMILES). NaN when nothing is valid.
struct Novelty {
  std::size_t unique = 0, novel = 0;
  double value = 0;
};
Novelty novelty(const std::vector<std::string>& generated_canonical, const std::vector<std::string>& train_canonical);

/// MOSES cos_similarity: cosine of the two count vectors over the union of keys (1 − scipy's cosine distance).
/// NaN when either map is empty.
double count_cosine_similarity(const std::map<std::string, double>& a, const std::map<std::string, double>& b);

struct GenMetrics {
  std::int64_t records = 0, valid = 0;
  double validity = 0;  ///< valid / records (NaN for no records)
  std::vector<UniqueAtK> unique;
  bool have_train = false;
  Novelty novelty;
  double intdiv1 = 0, intdiv2 = 0;  ///< MOSES code's definition (chem/gen_metrics_similarity.h)
  double intdiv2_pooled = 0;        ///< MOSES paper's formula
  double filters = 0;               ///< passed / valid
  double snn = 0, frag = 0, scaff = 0;
  KlResult kl;
  std::map<std::string, double> seconds;  ///< wall time per metric
};

/// Aggregates the digests. `generated` needs kDigestAll (kDigestProperties optional), `reference` all but
/// kDigestFilters, `train` only canonical SMILES (nullptr: novelty is not computed).
GenMetrics compute_gen_metrics(const MolSetDigest& generated, const MolSetDigest* train, const MolSetDigest& reference,
                               const GenMetricsParams& params);

/// The report: {"metrics": {...}, "details": {...}, "inputs": {...}, "notes": [...]}; NaN values are null and each
/// null metric has a note saying why. "fcd" is always null with the reason.
nlohmann::json to_json(const GenMetrics& m, const MolSetDigest& generated, const MolSetDigest* train,
                       const MolSetDigest& reference);

}  // namespace hitforge::chem
