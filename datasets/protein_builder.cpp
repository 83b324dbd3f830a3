#include "datasets/protein_builder.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "core/checksum.h"
#include "core/error.h"
#include "core/text.h"

namespace hitforge::data {

namespace {
// The identity of a sequence for grouping and counting: upper-cased.
std::string sequence_key(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::int64_t count_distinct_sequences(const std::vector<std::string>& sequences, const std::vector<std::uint8_t>& status) {
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < sequences.size(); ++i)
    if (i < status.size() && status[i] == 0) seen.insert(sequence_key(sequences[i]));
  return static_cast<std::int64_t>(seen.size());
}
using core::str_cat;

Split sequence_split(const std::vector<std::string>& sequences, const std::vector<std::uint8_t>& status,
                     double valid_fraction, double test_fraction, std::uint64_t seed) {
  HITFORGE_REQUIRE(sequences.size() == status.size(), "sequence_split: ", sequences.size(), " sequences but ",
                   status.size(), " statuses");
  HITFORGE_REQUIRE(std::isfinite(valid_fraction) && std::isfinite(test_fraction) && valid_fraction >= 0 &&
                       test_fraction >= 0 && valid_fraction + test_fraction < 1,
                   "validation and test fractions must be >= 0 and sum to less than 1, got ", valid_fraction, " and ",
                   test_fraction);
  // groups of identical sequences, in order of first appearance
  std::unordered_map<std::string, std::size_t> group_of;
  std::vector<std::vector<std::int64_t>> groups;
  std::int64_t valid_total = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    if (status[i] != 0) continue;
    ++valid_total;
    auto [it, added] = group_of.emplace(sequence_key(sequences[i]), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(static_cast<std::int64_t>(i));
  }
  std::vector<std::size_t> order(groups.size());
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const auto want_test = static_cast<std::int64_t>(std::llround(test_fraction * static_cast<double>(valid_total)));
  const auto want_valid = static_cast<std::int64_t>(std::llround(valid_fraction * static_cast<double>(valid_total)));
  Split s;
  for (std::size_t g : order) {
    auto& dst = static_cast<std::int64_t>(s.test.size()) < want_test     ? s.test
                : static_cast<std::int64_t>(s.valid.size()) < want_valid ? s.valid
                                                                          : s.train;
    dst.insert(dst.end(), groups[g].begin(), groups[g].end());
  }
  for (auto* v : {&s.train, &s.valid, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

ProteinBuildSummary build_protein_dataset(const ProteinBuildOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  HITFORGE_REQUIRE(!o.inputs.empty(), "a protein dataset needs at least one --sequences file");
  HITFORGE_REQUIRE(!o.output.empty(), "no output file given (--out)");
  std::vector<IdString> proteins;
  for (const auto& path : o.inputs) {
    auto part = read_protein_file(path);
    HITFORGE_REQUIRE(!part.empty(), "'", path, "' lists no sequences");
    proteins.insert(proteins.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  ProteinTable table = tokenize_proteins(proteins, /*max_length=*/0);

  ProteinBuildSummary sum;
  sum.proteins = static_cast<std::int64_t>(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table.status[i] == 0) {
      ++sum.proteins_ok;
      sum.residues += table.lengths[i];
    } else if (sum.first_invalid.size() < 20) {
      sum.first_invalid.push_back(str_cat("protein ", i, " (", table.ids[i], "): ", table.reasons[i]));
    }
  }
  HITFORGE_REQUIRE(sum.proteins_ok > 0, "no valid protein sequence in ", core::join(o.inputs), " (first problem: ",
                   sum.first_invalid.empty() ? "none" : sum.first_invalid.front(), ")");
  sum.split.name = kSequenceSplit;
  sum.split.method = "by_sequence";
  sum.split.sizes = str_cat(1.0 - o.valid_fraction - o.test_fraction, ",", o.valid_fraction, ",", o.test_fraction);
  sum.split.seed = static_cast<std::int64_t>(o.seed);
  sum.split.split = sequence_split(table.sequences, table.status, o.valid_fraction, o.test_fraction, o.seed);
  sum.unique_sequences = count_distinct_sequences(table.sequences, table.status);

  DatasetWriter writer(o.output, DatasetSchema{}, o.writer);
  writer.write_proteins(table);
  writer.write_splits({sum.split});
  writer.set_provenance("kind", "protein_sequences");
  std::vector<std::string> sums;
  for (const auto& path : o.inputs) sums.push_back(core::sha256_file(path));
  writer.set_provenance("source_path", core::join(o.inputs, ";"));
  writer.set_provenance("source_sha256", core::join(sums, ";"));
  writer.set_provenance("protein_crop", "none (the model crops: docs/protein.md)");
  writer.set_provenance("standardize", "none");
  for (const auto& [k, v] : o.provenance) writer.set_provenance(k, v);
  writer.finish();
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace hitforge::data
