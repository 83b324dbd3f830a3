#include "chem/gen_metrics.h"

// Before any other RDKit header, in its own include block so that include sorting cannot move it:
// RDK_BUILD_THREADSAFE_SSS (defined there) changes the layout of RDKit::RecursiveStructureQuery.
#include <RDGeneral/RDConfig.h>

#include <GraphMol/ChemTransforms/MolFragmenter.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/RingInfo.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "chem/featurizers/morgan.h"
#include "chem/gen_metrics_filters.h"
#include "chem/scaffold.h"
#include "chem/scoring/qed.h"
#include "chem/scoring/sa_score.h"
#include "core/error.h"
#include "core/progress.h"

namespace hitforge::chem {
using core::str_cat;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kInvalidExamples = 10;
constexpr std::size_t kMorgan1024Bytes = 128, kMorgan4096Bytes = 512;
constexpr unsigned kMinScaffoldRings = 2;  // MOSES compute_scaffolds(min_rings=2)

// What one valid or invalid record contributes, filled by one OpenMP thread (no sharing).
struct RecordFacts {
  bool valid = false;
  bool out_of_memory = false;
  std::string reason;     // invalid: why
  std::string canonical;  // canonical isomeric SMILES
  std::array<std::uint8_t, kMorgan1024Bytes> fp{};
  std::vector<std::string> fragments;
  bool fragments_ok = true;
  bool has_scaffold = false, scaffold_failed = false;
  std::string scaffold;
  FilterVerdict filter;
  std::string noniso;  // non-isomeric canonical SMILES (GuacaMol's sample key); empty if not computed
  std::array<double, kPlotPropertyCount> props{};
};

// Shared, read-only during the parallel loops.
struct DigestContext {
  unsigned parts = 0;
  ParseParams parse;
  MorganFeaturizer morgan1024{MorganParams{2, 1024, false, false}, false};
  MorganFeaturizer morgan4096{MorganParams{2, 4096, false, false}, false};
  const MosesFilters* filters = nullptr;
  const SaScoreModel* sa = nullptr;
};

// "sanitisation failed: Explicit valence ..." → "sanitisation failed"; the grouping key of invalid_reasons.
std::string reason_kind(const std::string& reason) {
  std::size_t cut = reason.find(':');
  cut = std::min(cut, reason.find(" ("));
  std::string k = reason.substr(0, cut);
  return k.empty() ? reason : k;
}

std::vector<std::string> brics_fragments(const RDKit::ROMol& mol) {
  // MOSES fragmenter: Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split(".")
  std::unique_ptr<RDKit::ROMol> frags(RDKit::MolFragmenter::fragmentOnBRICSBonds(mol));
  const std::string smiles = RDKit::MolToSmiles(*frags);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = smiles.find('.', start);
    out.push_back(smiles.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

// Runs one per-molecule part and reports whether it finished: an RDKit error in one part of one molecule is counted
// for that part and never spoils the molecule's other parts or the batch.
template <class F>
bool guarded_part(F&& part) {
  try {
    part();
    return true;
  } catch (...) {
    return false;
  }
}

void process_record(const InputRecord& rec, const DigestContext& ctx, RecordFacts& f) {
  f = RecordFacts{};
  ParsedMol pm;
  try {
    if (!rec.error.empty()) {
      f.reason = rec.error;
      return;
    }
    pm = rec.is_molblock ? parse_molblock(rec.text, ctx.parse) : parse_smiles(rec.text, ctx.parse);
    if (!pm.ok()) {
      f.reason = pm.reason;
      return;
    }
    f.canonical = canonical_smiles(*pm.mol);
    // The fingerprint row must exist for every valid molecule (rows align with `canonical`), so a failure here
    // makes the record invalid rather than leaving a hole.
    if (ctx.parts & kDigestFingerprints) ctx.morgan1024.compute(*pm.mol, f.fp.data());
  } catch (const std::exception& e) {
    f.reason = str_cat("internal error: ", e.what());
    return;
  } catch (...) {
    f.reason = "internal error: unknown exception";
    return;
  }
  f.valid = true;
  const RDKit::ROMol& mol = *pm.mol;
  if (ctx.parts & kDigestFragments) f.fragments_ok = guarded_part([&] { f.fragments = brics_fragments(mol); });
  if (ctx.parts & kDigestScaffolds) {
    const bool finished = guarded_part([&] {
      // MOSES: MolToSmiles(GetScaffoldForMol(mol)) (isomeric), kept when non-empty and of >= 2 rings. Murcko
      // scaffolds keep every ring of the molecule, so the molecule's ring count is the scaffold's.
      ScaffoldResult s = murcko_scaffold(mol, ScaffoldParams{/*generic=*/false, /*include_chirality=*/true});
      if (!s.ok) {
        f.scaffold_failed = true;
      } else if (!s.smiles.empty() && mol.getRingInfo()->numRings() >= kMinScaffoldRings) {
        f.has_scaffold = true;
        f.scaffold = std::move(s.smiles);
      }
    });
    if (!finished) f.scaffold_failed = true;
  }
  if (ctx.parts & (kDigestKl | kDigestFilters))
    guarded_part([&] { f.noniso = RDKit::MolToSmiles(mol, /*doIsomericSmiles=*/false); });
  if (ctx.parts & kDigestFilters) f.filter = ctx.filters->check(mol, f.noniso.empty() ? nullptr : &f.noniso);
  if (!(ctx.parts & kDigestKl)) f.noniso.clear();
  if (ctx.parts & kDigestProperties) {
    // QED's own properties are RDKit's MolWt (average, implicit H included), Crippen logP and TPSA (N, O) of this
    // hydrogen-suppressed molecule, so one qed_properties() call gives four plot values (Crippen's ~110 SMARTS are
    // the costliest part; measured 9 % of a digest when logP was computed a second time).
    f.props.fill(kNaN);
    guarded_part([&] {
      const QedProperties q = qed_properties(mol);
      f.props = {q.mw, q.alogp, qed(q), kNaN, q.psa};
    });
    if (ctx.sa && !guarded_part([&] { f.props[3] = ctx.sa->score(mol); })) f.props[3] = kNaN;
  }
}

// One unique non-isomeric SMILES of GuacaMol's sample, parsed again as GuacaMol does (Chem.MolFromSmiles).
struct KlFacts {
  bool ok = false;
  std::array<double, kKlDescriptorCount> descriptors{};
  std::array<std::uint8_t, kMorgan4096Bytes> fp{};
};

void process_kl(const std::string& smiles, const DigestContext& ctx, KlFacts& k) {
  k = KlFacts{};
  try {
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(smiles));
    if (!mol) return;
    k.descriptors = kl_descriptors(*mol);
    ctx.morgan4096.compute(*mol, k.fp.data());
    k.ok = true;
  } catch (...) {
    k.ok = false;  // GuacaMol drops molecules whose SMILES does not parse again; counted as kl_unparsable
  }
}

// Streams chunks of records into a digest: a parallel pass per chunk, then an in-order merge on the calling thread.
class DigestBuilder {
 public:
  DigestBuilder(MolSetDigest& digest, unsigned parts, const GenMetricsParams& params)
      : d_(digest), threads_(std::max(1, params.threads)) {
    quiet_rdkit_logs();
    d_.parts = parts;
    ctx_.parts = parts;
    ctx_.parse = params.parse;
    // Shared resources are built here, on one thread, before any parallel loop reads them.
    if (parts & kDigestFilters) ctx_.filters = &MosesFilters::instance();
    if (parts & kDigestProperties) {
      try {
        ctx_.sa = &SaScoreModel::default_model();
      } catch (const std::exception& e) {
        d_.properties_note = str_cat("SA score not computed: ", e.what());
      }
    }
    // RDKit and QED build some patterns lazily on first use (BRICS bond types, Crippen parameters, the strict
    // rotatable-bond pattern, QED's alerts): run each part once here, on this thread, rather than racing in the loop.
    std::unique_ptr<RDKit::RWMol> warm(RDKit::SmilesToMol("CCOc1ccccc1C(=O)NC1CCCC1"));
    if (warm) {
      if (parts & kDigestFragments) brics_fragments(*warm);
      if (parts & kDigestKl) kl_descriptors(*warm);
      if (parts & kDigestProperties) qed(*warm);
    }
  }

  void add_chunk(const std::vector<InputRecord>& records, std::size_t n) {
    if (facts_.size() < n) facts_.resize(n);
    const auto nn = static_cast<long long>(n);
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads_) if (threads_ > 1 && n > 32)
    for (long long ii = 0; ii < nn; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      try {
        process_record(records[i], ctx_, facts_[i]);
      } catch (...) {
        // process_record catches RDKit's errors itself; only an allocation failure can land here. Nothing that
        // allocates may run in this handler, so the merge below writes the reason.
        facts_[i].valid = false;
        facts_[i].out_of_memory = true;
      }
    }

    std::vector<std::string> fresh;  // GuacaMol sample members first seen in this chunk, in input order
    for (std::size_t i = 0; i < n; ++i) {
      RecordFacts& f = facts_[i];
      ++d_.records;
      if (!f.valid) {
        if (f.out_of_memory) f.reason = "internal error: out of memory";
        ++d_.invalid_reasons[reason_kind(f.reason)];
        if (d_.invalid_examples.size() < kInvalidExamples) {
          const InputRecord& r = records[i];
          d_.invalid_examples.push_back(
              str_cat("record ", r.index, r.id.empty() ? "" : " (" + r.id + ")", ": ", f.reason));
        }
        continue;
      }
      ++d_.valid;
      d_.canonical.push_back(std::move(f.canonical));
      if (d_.parts & kDigestFingerprints) d_.morgan1024.append_bytes(f.fp.data());
      if (d_.parts & kDigestFragments) {
        if (f.fragments_ok) {
          for (auto& frag : f.fragments) d_.fragments[frag] += 1;
        } else {
          ++d_.part_failures["fragments"];
        }
      }
      if (d_.parts & kDigestScaffolds) {
        if (f.scaffold_failed) ++d_.scaffold_failures;
        if (f.has_scaffold) d_.scaffolds[f.scaffold] += 1;
      }
      if (d_.parts & kDigestFilters) {
        if (f.filter.passes)
          ++d_.filters_passed;
        else
          ++d_.filter_failures[f.filter.failed.rfind("error:", 0) == 0 ? "error" : f.filter.failed];
      }
      if (d_.parts & kDigestKl) {
        if (f.noniso.empty())
          ++d_.kl_unparsable;
        else if (kl_seen_.insert(f.noniso).second)
          fresh.push_back(std::move(f.noniso));
      }
      if (d_.parts & kDigestProperties) d_.properties.push_back(f.props);
    }
    if (!fresh.empty()) add_kl(fresh);
  }

 private:
  void add_kl(const std::vector<std::string>& smiles) {
    const std::size_t n = smiles.size();
    if (kl_facts_.size() < n) kl_facts_.resize(n);
    const auto nn = static_cast<long long>(n);
    // process_kl catches everything, allocation failures included (a failed molecule is dropped and counted).
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads_) if (threads_ > 1 && n > 32)
    for (long long i = 0; i < nn; ++i)
      process_kl(smiles[static_cast<std::size_t>(i)], ctx_, kl_facts_[static_cast<std::size_t>(i)]);
    for (std::size_t i = 0; i < n; ++i) {
      if (!kl_facts_[i].ok) {
        ++d_.kl_unparsable;
        continue;
      }
      d_.kl.descriptors.push_back(kl_facts_[i].descriptors);
      d_.kl.morgan4096.append_bytes(kl_facts_[i].fp.data());
    }
  }

  MolSetDigest& d_;
  int threads_;
  DigestContext ctx_;
  std::vector<RecordFacts> facts_;
  std::vector<KlFacts> kl_facts_;
  std::unordered_set<std::string> kl_seen_;
};

double ratio(double num, double den) {
  return den > 0 ? num / den : kNaN;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

const std::array<const char*, kPlotPropertyCount>& plot_property_names() {
  static const std::array<const char*, kPlotPropertyCount> names = {"MolWt", "logP", "QED", "SA", "TPSA"};
  return names;
}

MolSetDigest digest_file(const std::string& path, const ReaderOptions& reader_options, unsigned parts,
                         const GenMetricsParams& params, const std::string& label) {
  HITFORGE_REQUIRE(params.chunk > 0, "chunk size must be positive");
  MolSetDigest d;
  d.source = path;
  auto reader = MoleculeReader::open(path, reader_options);
  DigestBuilder builder(d, parts, params);
  auto bar = record_progress(path, reader->format(), label, params.progress);
  std::vector<InputRecord> records(params.chunk);
  for (;;) {
    const std::size_t n = reader->next_chunk(records);
    if (n == 0) break;
    builder.add_chunk(records, n);
    bar->add(n);
    if (n < records.size()) break;
  }
  bar->finish();
  return d;
}

MolSetDigest digest_smiles(const std::vector<std::string>& smiles, unsigned parts, const GenMetricsParams& params) {
  HITFORGE_REQUIRE(params.chunk > 0, "chunk size must be positive");
  MolSetDigest d;
  d.source = "(list)";
  DigestBuilder builder(d, parts, params);
  std::vector<InputRecord> records;
  for (std::size_t start = 0; start < smiles.size(); start += params.chunk) {
    const std::size_t n = std::min(params.chunk, smiles.size() - start);
    records.assign(n, InputRecord{});
    for (std::size_t i = 0; i < n; ++i) {
      records[i].index = static_cast<std::int64_t>(start + i);
      records[i].line = static_cast<std::int64_t>(start + i + 1);
      records[i].text = smiles[start + i];
    }
    builder.add_chunk(records, n);
  }
  return d;
}

UniqueAtK unique_at_k(const std::vector<std::string>& canonical_valid, std::size_t k) {
  UniqueAtK u;
  u.k = k;
  u.used = std::min(k, canonical_valid.size());
  u.complete = canonical_valid.size() >= k;
  std::unordered_set<std::string> seen(canonical_valid.begin(),
                                       canonical_valid.begin() + static_cast<std::ptrdiff_t>(u.used));
  u.unique = seen.size();
  u.value = ratio(static_cast<double>(u.unique), static_cast<double>(u.used));
  return u;
}

Novelty novelty(const std::vector<std::string>& generated_canonical, const std::vector<std::string>& train_canonical) {
  Novelty nv;
  const std::unordered_set<std::string> gen(generated_canonical.begin(), generated_canonical.end());
  const std::unordered_set<std::string> train(train_canonical.begin(), train_canonical.end());
  nv.unique = gen.size();
  for (const auto& s : gen) nv.novel += train.count(s) == 0;
  nv.value = ratio(static_cast<double>(nv.novel), static_cast<double>(nv.unique));
  return nv;
}

double count_cosine_similarity(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  if (a.empty() || b.empty()) return kNaN;
  double dot = 0, na = 0, nb = 0;
  for (const auto& [key, v] : a) {
    na += v * v;
    if (auto it = b.find(key); it != b.end()) dot += v * it->second;
  }
  for (const auto& [key, v] : b) nb += v * v;
  return dot / (std::sqrt(na) * std::sqrt(nb));
}

GenMetrics compute_gen_metrics(const MolSetDigest& generated, const MolSetDigest* train, const MolSetDigest& reference,
                               const GenMetricsParams& params) {
  const unsigned gen_needs = kDigestFingerprints | kDigestFragments | kDigestScaffolds | kDigestFilters | kDigestKl;
  const unsigned ref_needs = kDigestFingerprints | kDigestFragments | kDigestScaffolds | kDigestKl;
  HITFORGE_CHECK((generated.parts & gen_needs) == gen_needs, "generated digest lacks parts (", generated.parts, ")");
  HITFORGE_CHECK((reference.parts & ref_needs) == ref_needs, "reference digest lacks parts (", reference.parts, ")");
  const int threads = std::max(1, params.threads);
  GenMetrics m;
  m.records = generated.records;
  m.valid = generated.valid;
  m.validity = ratio(static_cast<double>(generated.valid), static_cast<double>(generated.records));
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k : params.unique_k) m.unique.push_back(unique_at_k(generated.canonical, k));
  if (train) {
    m.have_train = true;
    m.novelty = novelty(generated.canonical, train->canonical);
  }
  m.seconds["unique_novelty"] = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  const InternalSimilaritySums sums = internal_similarity_sums(generated.morgan1024, threads);
  m.intdiv1 = internal_diversity(sums, 1);
  m.intdiv2 = internal_diversity(sums, 2);
  m.intdiv2_pooled = internal_diversity_pooled(sums, 2);
  m.seconds["intdiv"] = seconds_since(t0);

  m.filters = ratio(static_cast<double>(generated.filters_passed), static_cast<double>(generated.valid));

  t0 = std::chrono::steady_clock::now();
  m.snn = nearest_neighbour_similarity(generated.morgan1024, reference.morgan1024, threads);
  m.seconds["snn"] = seconds_since(t0);

  m.frag = count_cosine_similarity(generated.fragments, reference.fragments);
  m.scaff = count_cosine_similarity(generated.scaffolds, reference.scaffolds);

  t0 = std::chrono::steady_clock::now();
  m.kl = guacamol_kl(reference.kl, generated.kl, threads);
  m.seconds["kl"] = seconds_since(t0);
  return m;
}

}  // namespace hitforge::chem

namespace hitforge::chem {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json input_json(const MolSetDigest& d) {
  nlohmann::json j = {{"path", d.source},
                      {"records", d.records},
                      {"valid", d.valid},
                      {"invalid", d.records - d.valid},
                      {"invalid_reasons", d.invalid_reasons},
                      {"invalid_examples", d.invalid_examples}};
  return j;
}

}  // namespace

nlohmann::json to_json(const GenMetrics& m, const MolSetDigest& generated, const MolSetDigest* train,
                       const MolSetDigest& reference) {
  using nlohmann::json;
  json metrics = json::object(), details = json::object(), notes = json::array();
  const auto note_if_null = [&notes](const json& value, const std::string& name, const std::string& why) {
    if (value.is_null()) notes.push_back(name + " is null: " + why);
  };

  metrics["validity"] = number_or_null(m.validity);
  note_if_null(metrics["validity"], "validity", "the generated file has no records");
  for (const UniqueAtK& u : m.unique) {
    const std::string key = str_cat("unique@", u.k);
    metrics[key] = number_or_null(u.value);
    details[key] = {{"k", u.k}, {"molecules_used", u.used}, {"unique", u.unique}, {"complete", u.complete}};
    note_if_null(metrics[key], key, "no valid generated molecule");
    if (!u.complete && u.used > 0)
      notes.push_back(str_cat(key, " is computed on the ", u.used, " valid molecules there are (fewer than ", u.k,
                              "); it is not comparable with a full unique@", u.k));
  }
  if (m.have_train) {
    metrics["novelty"] = number_or_null(m.novelty.value);
    details["novelty"] = {{"unique_valid", m.novelty.unique}, {"novel", m.novelty.novel}};
    note_if_null(metrics["novelty"], "novelty", "no valid generated molecule");
  } else {
    metrics["novelty"] = nullptr;
    notes.push_back("novelty is null: no training set given (--train)");
  }
  metrics["intdiv1"] = number_or_null(m.intdiv1);
  metrics["intdiv2"] = number_or_null(m.intdiv2);
  {
    const auto n = static_cast<double>(generated.morgan1024.size());
    details["intdiv"] = {{"molecules", generated.morgan1024.size()},
                         {"pairs_including_self", n * n},
                         {"fingerprint", "Morgan radius 2, 1024 bits"},
                         {"intdiv2_pooled", number_or_null(m.intdiv2_pooled)}};
  }
  note_if_null(metrics["intdiv1"], "intdiv1/intdiv2", "no valid generated molecule");
  metrics["filters"] = number_or_null(m.filters);
  details["filters"] = {{"checked", generated.valid},
                        {"passed", generated.filters_passed},
                        {"first_failed_rule", generated.filter_failures}};
  note_if_null(metrics["filters"], "filters", "no valid generated molecule");

  metrics["snn"] = number_or_null(m.snn);
  details["snn"] = {{"generated", generated.morgan1024.size()}, {"reference", reference.morgan1024.size()}};
  note_if_null(metrics["snn"], "snn", "no valid generated or reference molecule");
  metrics["frag"] = number_or_null(m.frag);
  details["frag"] = {
      {"generated_distinct_fragments", generated.fragments.size()},
      {"reference_distinct_fragments", reference.fragments.size()},
      {"generated_failures", generated.part_failures.count("fragments") ? generated.part_failures.at("fragments") : 0}};
  note_if_null(metrics["frag"], "frag", "a set has no BRICS fragments (no valid molecules)");
  metrics["scaff"] = number_or_null(m.scaff);
  details["scaff"] = {{"generated_distinct_scaffolds", generated.scaffolds.size()},
                      {"reference_distinct_scaffolds", reference.scaffolds.size()},
                      {"min_rings", kMinScaffoldRings},
                      {"generated_failures", generated.scaffold_failures}};
  note_if_null(metrics["scaff"], "scaff",
               "a set has no scaffold with at least 2 rings (MOSES counts only those); MOSES returns NaN here too");

  metrics["kl_score"] = number_or_null(m.kl.score);
  {
    json terms = json::object();
    for (const KlTerm& t : m.kl.terms) {
      json term = {{"kl", number_or_null(t.kl)}, {"exp_neg_kl", std::isnan(t.kl) ? 0.0 : std::exp(-t.kl)}};
      if (!t.reason.empty()) {
        term["reason"] = t.reason;
        // With an empty set every term is undefined and kl_score itself is null: one note says that below.
        if (!std::isnan(m.kl.score))
          notes.push_back(str_cat("KL term ", t.name, " is undefined (", t.reason, "); it counts 0 in kl_score"));
      }
      terms[t.name] = term;
    }
    details["kl"] = {{"generated_unique", generated.kl.size()},
                     {"reference_unique", reference.kl.size()},
                     {"generated_unparsable", generated.kl_unparsable},
                     {"reference_unparsable", reference.kl_unparsable},
                     {"terms", terms}};
  }
  note_if_null(metrics["kl_score"], "kl_score", "no valid generated or reference molecule");

  metrics["fcd"] = nullptr;
  details["fcd"] = {{"value", nullptr},
                    {"note",
                     "FCD needs the trained ChemNet weights of the Fréchet ChemNet Distance (Preuer et al. 2018), "
                     "which are not available to hitforge; no substitute value is computed"}};
  notes.push_back("fcd is null: not computed (ChemNet weights unavailable)");
  if (!generated.properties_note.empty()) notes.push_back(generated.properties_note);

  json inputs = {{"generated", input_json(generated)}, {"reference", input_json(reference)}};
  if (train) inputs["train"] = input_json(*train);
  json timing = json::object();
  for (const auto& [k, v] : m.seconds) timing[k] = v;
  return {{"metrics", metrics},
          {"details", details},
          {"inputs", inputs},
          {"notes", notes},
          {"timing_seconds", timing},
          {"definitions", "docs/generation.md#metrics (MOSES and GuacaMol definitions, with every deviation)"}};
}

}  // namespace hitforge::chem
