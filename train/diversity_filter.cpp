#include "train/diversity_filter.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hitforge::train {

void validate(const DiversityFilterOptions& o) {
  HITFORGE_REQUIRE(o.kind == "scaffold" || o.kind == "none", "--diversity-filter must be none or scaffold (got '",
                   o.kind, "')");
  HITFORGE_REQUIRE(o.bucket_size >= 1, "--bucket-size must be >= 1");
  HITFORGE_REQUIRE(std::isfinite(o.min_score) && o.min_score >= 0 && o.min_score <= 1,
                   "--min-score must be in [0, 1] (got ", o.min_score, ")");
}

DiversityFilter::DiversityFilter(DiversityFilterOptions options) : options_(std::move(options)) {
  validate(options_);
}

double DiversityFilter::apply(const std::string& smiles, const std::string& scaffold, double score) {
  if (options_.kind == "none" || !(score >= options_.min_score)) return score;
  // As REINVENT 2: a molecule already remembered scores 0; otherwise it is remembered, and it keeps its score while
  // its bucket holds at most bucket_size molecules.
  if (!memory_.insert(smiles).second) return 0.0;
  const std::size_t count = ++buckets_[scaffold];
  return count > options_.bucket_size ? 0.0 : score;
}

std::size_t DiversityFilter::bucket_count(const std::string& scaffold) const {
  auto it = buckets_.find(scaffold);
  return it == buckets_.end() ? 0 : it->second;
}

nlohmann::json DiversityFilter::to_json() const {
  return {{"kind", options_.kind}, {"bucket_size", options_.bucket_size}, {"min_score", options_.min_score}};
}

}  // namespace hitforge::train
