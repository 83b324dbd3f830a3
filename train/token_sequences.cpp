#include "train/token_sequences.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "core/hdf5_util.h"
#include "datasets/format.h"
#include "datasets/splits.h"

namespace hitforge::train {
using core::str_cat;

template <typename It>
void TokenSequences::add(It first, It last, bool with_eos, std::int64_t record) {
  ids_.push_back(specials_.bos);
  for (It it = first; it != last; ++it) ids_.push_back(static_cast<std::int64_t>(*it));
  if (with_eos) ids_.push_back(specials_.eos);
  offsets_.push_back(static_cast<std::int64_t>(ids_.size()));
  lengths_.push_back(offsets_.back() - offsets_[offsets_.size() - 2]);
  records_.push_back(record);
}

void TokenSequences::remap(const std::vector<std::int64_t>& table,
                           const std::function<std::string(std::int64_t)>& describe) {
  const auto n = static_cast<std::int64_t>(table.size());
  for (std::size_t i = 0; i < size(); ++i)
    for (std::int64_t k = offsets_[i]; k < offsets_[i + 1]; ++k) {
      std::int64_t& id = ids_[static_cast<std::size_t>(k)];
      HITFORGE_REQUIRE(id >= 0 && id < n && table[static_cast<std::size_t>(id)] >= 0, "record ", records_[i],
                       ": ", describe(id));
      id = table[static_cast<std::size_t>(id)];
    }
}

TokenSequences TokenSequences::load(const data::Dataset& ds, const std::string& block,
                                    const std::vector<std::int64_t>& records, const models::SpecialTokens& sp) {
  const auto& info = ds.block(block);
  HITFORGE_REQUIRE(info.kind == chem::FeatureKind::tokens, "feature block '", block, "' of '", ds.path(),
                   "' holds ", chem::to_string(info.kind), ", not token sequences (build it with --featurizer ",
                   "smiles_tokens)");
  // The whole block in two reads: Dataset::read_tokens costs two HDF5 selections per record, which dominates
  // loading 50k+ sequences.
  std::vector<std::int32_t> all_ids;
  std::vector<std::int64_t> offsets;
  try {
    H5::H5File f = core::h5::open_file(ds.path());
    H5::Group g = f.openGroup(str_cat("/", data::fmt::kFeatures, "/", block));
    all_ids = core::h5::read_all<std::int32_t>(g.openDataSet(data::fmt::kTokenIds));
    offsets = core::h5::read_all<std::int64_t>(g.openDataSet(data::fmt::kTokenOffsets));
  } catch (const H5::Exception& e) {
    throw core::UsageError(str_cat("cannot read tokens block '", block, "' of '", ds.path(), "': ", e.getDetailMsg()));
  }
  HITFORGE_REQUIRE(static_cast<std::int64_t>(offsets.size()) == ds.size() + 1, "tokens block '", block, "' of '",
                   ds.path(), "' has ", offsets.size(), " offsets for ", ds.size(), " records");
  TokenSequences s;
  s.specials_ = sp;
  for (std::int64_t r : records) {
    HITFORGE_REQUIRE(r >= 0 && r < ds.size(), "record ", r, " is out of range (", ds.size(), " records)");
    const std::int64_t a = offsets[static_cast<std::size_t>(r)], b = offsets[static_cast<std::size_t>(r) + 1];
    HITFORGE_REQUIRE(a <= b && b <= static_cast<std::int64_t>(all_ids.size()), "tokens block '", block,
                     "' has inconsistent offsets at record ", r);
    if (a == b) continue;  // invalid molecule: no tokens
    s.add(all_ids.begin() + a, all_ids.begin() + b, true, r);
  }
  return s;
}

TokenSequences TokenSequences::load_proteins(const data::Dataset& ds, const std::vector<std::int64_t>& proteins,
                                             const models::SpecialTokens& sp, std::int64_t max_length,
                                             std::int64_t* cropped) {
  HITFORGE_REQUIRE(ds.has_protein_tokens(), "'", ds.path(), "' holds no protein residue tokens (build it with ",
                   "hitforge dataset build --sequences FILE.fasta)");
  HITFORGE_REQUIRE(max_length <= 0 || max_length >= 2, "max length must be >= 2 tokens, got ", max_length);
  std::vector<std::int32_t> all_ids;
  std::vector<std::int64_t> offsets;
  ds.read_protein_tokens(all_ids, offsets);
  const auto n = static_cast<std::int64_t>(offsets.size()) - 1;
  TokenSequences s;
  s.specials_ = sp;
  std::int64_t n_cropped = 0;
  for (std::int64_t p : proteins) {
    HITFORGE_REQUIRE(p >= 0 && p < n, "protein ", p, " is out of range (", n, " proteins)");
    const std::int64_t a = offsets[static_cast<std::size_t>(p)], b = offsets[static_cast<std::size_t>(p) + 1];
    if (a == b) continue;  // invalid protein: no tokens
    if (max_length > 0 && b - a + 2 > max_length) {
      // the crop rule: <bos> and the first max_length - 1 residues, no <eos> (the protein does not end there)
      s.add(all_ids.begin() + a, all_ids.begin() + a + (max_length - 1), false, p);
      ++n_cropped;
    } else {
      s.add(all_ids.begin() + a, all_ids.begin() + b, true, p);
    }
  }
  if (cropped) *cropped = n_cropped;
  return s;
}

TokenSequences TokenSequences::from_bodies(const std::vector<std::vector<std::int64_t>>& bodies,
                                           const models::SpecialTokens& sp) {
  TokenSequences s;
  s.specials_ = sp;
  for (std::size_t i = 0; i < bodies.size(); ++i)
    s.add(bodies[i].begin(), bodies[i].end(), true, static_cast<std::int64_t>(i));
  return s;
}


std::int64_t TokenSequences::predicted_tokens() const {
  std::int64_t n = 0;
  for (auto l : lengths_) n += l - 1;
  return n;
}

std::vector<std::int64_t> TokenSequences::sequence(std::size_t i) const {
  return {ids_.begin() + offsets_[i], ids_.begin() + offsets_[i + 1]};
}

models::TokenBatch TokenSequences::batch(const std::vector<std::int64_t>& rows) const {
  std::int64_t t = 0;
  for (auto r : rows) t = std::max(t, lengths_.at(static_cast<std::size_t>(r)));
  const auto b = static_cast<std::int64_t>(rows.size());
  models::TokenBatch out;
  out.tokens = torch::full({b, t}, specials_.pad, torch::kLong);
  out.lengths = torch::empty({b}, torch::kLong);
  std::int64_t* tok = out.tokens.data_ptr<std::int64_t>();
  std::int64_t* len = out.lengths.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < b; ++i) {
    const auto r = static_cast<std::size_t>(rows[static_cast<std::size_t>(i)]);
    std::copy(ids_.begin() + offsets_[r], ids_.begin() + offsets_[r + 1], tok + i * t);
    len[i] = lengths_[r];
  }
  return out;
}

std::vector<std::vector<std::int64_t>> length_bucketed_batches(const std::vector<std::int64_t>& lengths,
                                                               std::size_t batch_size, std::uint64_t seed,
                                                               std::size_t pool_batches) {
  HITFORGE_REQUIRE(batch_size > 0 && pool_batches > 0, "batch size and pool size must be positive");
  std::vector<std::int64_t> order = data::iota_indices(static_cast<std::int64_t>(lengths.size()));
  std::mt19937_64 rng(seed);
  data::deterministic_shuffle(order, rng);
  std::vector<std::vector<std::int64_t>> batches;
  const std::size_t pool = batch_size * pool_batches;
  for (std::size_t p = 0; p < order.size(); p += pool) {
    auto first = order.begin() + static_cast<std::ptrdiff_t>(p);
    auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), p + pool));
    // stable: equal lengths keep their shuffled order, so the grouping stays random
    std::stable_sort(first, last, [&](std::int64_t a, std::int64_t b) {
      return lengths[static_cast<std::size_t>(a)] < lengths[static_cast<std::size_t>(b)];
    });
    for (auto it = first; it < last; it += static_cast<std::ptrdiff_t>(std::min<std::size_t>(batch_size, last - it)))
      batches.emplace_back(it, it + static_cast<std::ptrdiff_t>(std::min<std::size_t>(batch_size, last - it)));
  }
  data::deterministic_shuffle(batches, rng);
  return batches;
}

double padding_fraction(const std::vector<std::vector<std::int64_t>>& batches, const std::vector<std::int64_t>& lengths) {
  double padded = 0, total = 0;
  for (const auto& b : batches) {
    std::int64_t mx = 0, sum = 0;
    for (auto r : b) {
      mx = std::max(mx, lengths[static_cast<std::size_t>(r)]);
      sum += lengths[static_cast<std::size_t>(r)];
    }
    total += static_cast<double>(mx) * static_cast<double>(b.size());
    padded += static_cast<double>(mx) * static_cast<double>(b.size()) - static_cast<double>(sum);
  }
  return total > 0 ? padded / total : 0.0;
}

}  // namespace hitforge::train
