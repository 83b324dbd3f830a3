#include "train/replay_buffer.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace hitforge::train {

void ReplayBuffer::add(const std::vector<ReplayEntry>& candidates) {
  if (capacity_ == 0) return;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < entries_.size(); ++i) index.emplace(entries_[i].smiles, i);
  for (const auto& c : candidates) {
    if (!(c.score > 0)) continue;
    auto it = index.find(c.smiles);
    if (it == index.end()) {
      index.emplace(c.smiles, entries_.size());
      entries_.push_back(c);
    } else if (c.score > entries_[it->second].score) {
      entries_[it->second] = c;
    }
  }
  std::sort(entries_.begin(), entries_.end(), [](const ReplayEntry& a, const ReplayEntry& b) {
    return a.score != b.score ? a.score > b.score : a.smiles < b.smiles;
  });
  if (entries_.size() > capacity_) entries_.resize(capacity_);
}

std::vector<ReplayEntry> ReplayBuffer::sample(std::size_t k, std::mt19937_64& rng) const {
  if (k >= entries_.size()) return entries_;
  std::vector<std::size_t> order(entries_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // partial Fisher–Yates with our own draws (std::shuffle's use of the engine is implementation-defined)
  std::vector<ReplayEntry> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng() % (order.size() - i));
    std::swap(order[i], order[j]);
    out.push_back(entries_[order[i]]);
  }
  return out;
}

}  // namespace hitforge::train
