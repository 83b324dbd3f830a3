// hitforge search — Tanimoto similarity search of query molecules against a dataset's fingerprint block
// (threshold or k nearest neighbours, BitBound-pruned; docs/similarity-search.md).
#include <charconv>
#include <fstream>
#include <iostream>

#include "chem/molecule_reader.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"
#include "core/log.h"
#include "core/threads.h"
#include "search/fingerprint_db.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

// Queries are read, fingerprinted, searched and written in chunks, so memory does not grow with the query file.
constexpr std::size_t kQueryChunk = 4096;

struct SearchArgs {
  std::string db, block, query, queries, smiles_col, id_col, format, out, kernel;
  std::size_t k = 0;
  double threshold = -1.0;
  bool no_bitbound = false;
};

struct Query {
  std::int64_t index = 0;  // 0-based record number in the query input
  std::string id, text, smiles;
  bool molblock = false;
  std::vector<std::uint64_t> fp;
  std::string reason;
};


// Shortest text that reads back as the same double (Python's repr of the same value).
std::string format_similarity(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void search_chunk(const search::FingerprintDb& db, std::vector<Query>& chunk, const SearchArgs& a, int threads,
                  const search::SearchOptions& opt, std::ostream& out, std::int64_t& n_invalid, std::int64_t& n_hits) {
  const auto n = static_cast<std::int64_t>(chunk.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (n > 1 && threads > 1)
  for (std::int64_t i = 0; i < n; ++i) {
    Query& q = chunk[i];
    q.fp = db.fingerprint(q.text, q.reason, q.molblock, q.molblock ? &q.smiles : nullptr);  // never throws for bad input
    if (!q.molblock) q.smiles = q.text;
  }
  std::vector<std::uint64_t> fps;
  std::vector<std::size_t> valid;
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    if (chunk[i].fp.empty()) {
      ++n_invalid;
      core::log_warn(str_cat("query ", chunk[i].index, chunk[i].id.empty() ? "" : " (" + chunk[i].id + ")", " '",
                             chunk[i].molblock ? std::string("molblock") : chunk[i].text,
                             "' skipped: ", chunk[i].reason));
      continue;
    }
    valid.push_back(i);
    fps.insert(fps.end(), chunk[i].fp.begin(), chunk[i].fp.end());
  }
  auto results = search::search_many(db.index(), fps, a.k, a.threshold, threads, opt);
  std::vector<std::int64_t> records;
  for (const auto& hits : results)
    for (const auto& h : hits) records.push_back(h.key);
  std::vector<std::string> ids, smiles;
  db.lookup(records, ids, smiles);
  std::size_t r = 0;
  for (std::size_t v = 0; v < valid.size(); ++v) {
    const Query& q = chunk[valid[v]];
    const std::string prefix = str_cat(q.index, ",", core::csv_field(q.id), ",", core::csv_field(q.smiles), ",");
    for (std::size_t rank = 0; rank < results[v].size(); ++rank, ++r)
      out << prefix << rank + 1 << "," << results[v][rank].key << "," << core::csv_field(ids[r]) << ","
          << core::csv_field(smiles[r]) << "," << format_similarity(results[v][rank].similarity) << "\n";
    n_hits += static_cast<std::int64_t>(results[v].size());
  }
}

void run_search(const SearchArgs& a, const GlobalOptions& g) {
  apply_global_options(g);
  HITFORGE_REQUIRE(a.query.empty() != a.queries.empty(), "give exactly one of --query SMILES or --queries FILE");
  HITFORGE_REQUIRE((a.k > 0) != (a.threshold >= 0.0), "give exactly one of --k K or --threshold T");
  search::SearchOptions opt;
  opt.bitbound = !a.no_bitbound;
  if (!a.kernel.empty()) opt.kernel = search::kernel_for(search::parse_kernel_kind(a.kernel));
  else opt.kernel = search::default_kernel();  // reports a bad $HITFORGE_POPCOUNT_KERNEL before any work
  const int threads = core::configured_threads();

  search::FingerprintDb db = search::FingerprintDb::load(a.db, a.block);
  const auto& info = db.info();
  core::log_info(str_cat("database ", info.path, ": block '", info.block, "' (", info.spec, "), ", info.n_indexed,
                         " of ", info.n_records, " records indexed (", info.n_records - info.n_indexed,
                         " invalid skipped); kernel ",
                         search::to_string(a.kernel.empty() ? search::default_kernel_kind()
                                                            : search::parse_kernel_kind(a.kernel))));

  core::AtomicFile file(a.out);
  std::ofstream out(file.temp_path());
  HITFORGE_REQUIRE(out, "cannot write '", file.temp_path(), "'");
  out << "query_index,query_id,query_smiles,rank,index,id,smiles,similarity\n";
  std::int64_t n_queries = 0, n_invalid = 0, n_hits = 0;
  std::vector<Query> chunk;
  if (!a.query.empty()) {
    Query q;
    q.text = a.query;
    chunk.push_back(std::move(q));
    search_chunk(db, chunk, a, threads, opt, out, n_invalid, n_hits);
    n_queries = 1;
  } else {
    chem::ReaderOptions ro;
    ro.format = a.format;
    ro.smiles_col = a.smiles_col;
    ro.id_col = a.id_col;
    auto reader = chem::MoleculeReader::open(a.queries, ro);
    chem::InputRecord rec;
    auto flush = [&] {
      search_chunk(db, chunk, a, threads, opt, out, n_invalid, n_hits);
      chunk.clear();
    };
    while (reader->next(rec)) {
      ++n_queries;
      Query q;
      q.index = rec.index;
      q.id = rec.id;
      q.text = rec.text;
      q.molblock = rec.is_molblock;
      if (!rec.error.empty()) {  // malformed record: report like an invalid molecule
        ++n_invalid;
        core::log_warn(str_cat("query ", rec.index, " (line ", rec.line, ") skipped: ", rec.error));
        continue;
      }
      chunk.push_back(std::move(q));
      if (chunk.size() == kQueryChunk) flush();
    }
    if (!chunk.empty()) flush();
  }
  out.close();
  HITFORGE_REQUIRE(out, "error writing '", file.temp_path(), "'");
  HITFORGE_REQUIRE(n_invalid < n_queries || n_queries == 0, "no valid query molecule (", n_invalid,
                   " invalid); nothing searched");
  file.commit();
  std::cout << n_queries << " queries (" << n_invalid << " invalid, skipped), " << n_hits << " hits → " << a.out
            << "\n";
}

}  // namespace

void register_search_command(CLI::App& app, GlobalOptions& g) {
  static SearchArgs s;
  CLI::App* cmd = app.add_subcommand("search", "Tanimoto similarity search against a dataset's fingerprints");
  cmd->add_option("--db", s.db, "Dataset .h5 with a packed_bits block (hitforge dataset build)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--block", s.block, "Feature block to search (default: the dataset's only packed_bits block)");
  auto* q1 = cmd->add_option("--query", s.query, "One query SMILES");
  auto* q2 = cmd->add_option("--queries", s.queries, "Query compound file (.smi/.csv/.tsv/.sdf, optionally .gz)")
                 ->check(CLI::ExistingFile);
  q1->excludes(q2);
  cmd->add_option("--smiles-col", s.smiles_col, "--queries CSV/TSV: SMILES column (default: auto-detect)");
  cmd->add_option("--id-col", s.id_col, "--queries: column (or SDF property) with query ids");
  cmd->add_option("--format", s.format, "--queries format if the extension does not say: smi, csv, tsv, sdf");
  auto* ko = cmd->add_option("--k", s.k, "Return the K most similar records per query (K >= 1)")
                 ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  auto* to = cmd->add_option("--threshold", s.threshold, "Return every record with Tanimoto >= T (0 <= T <= 1)")
                 ->check(CLI::Range(0.0, 1.0));
  ko->excludes(to);
  cmd->add_option("--out", s.out, "Output CSV (written atomically)")->required();
  cmd->add_option("--kernel", s.kernel, "Force a popcount kernel: generic, popcnt, avx2, avx512 (default: fastest; "
                                        "or $HITFORGE_POPCOUNT_KERNEL)");
  cmd->add_flag("--no-bitbound", s.no_bitbound, "Scan every fingerprint (same results; for benchmarking)");
  cmd->footer(
      "Output columns: query_index,query_id,query_smiles,rank,index,id,smiles,similarity (index = dataset record;\n"
      "sorted by similarity descending, ties by index).\n"
      "Examples:\n"
      "  hitforge search --db chembl.h5 --query 'CC(=O)Oc1ccccc1C(=O)O' --k 10 --out hits.csv\n"
      "  hitforge search --db chembl.h5 --queries actives.smi --threshold 0.7 --threads 2 --out hits.csv");
  cmd->callback([&g] { run_search(s, g); });
}

}  // namespace hitforge::cli
