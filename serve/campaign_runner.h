#pragma once
// Runs stored campaigns chunk by chunk on the worker pool (JobQueue background steps). One chunk of one campaign
// per step; several workers work on different campaigns at once, never two on the same one, and campaigns take
// turns (round robin) so that a big one does not starve a small one.
//
// A step: read records [next_index, next_index + chunk) from the store's library, score them with the campaign's
// recipe (compiled once and cached; the models it names must still have the sha256 pinned at submission, else the
// campaign fails rather than mixing two models' predictions), and commit rows + pointer in one transaction
// (campaign_store.h). After stop() no new step starts; a step in progress finishes and commits: that is the
// checkpoint at shutdown, and unfinished campaigns resume from their pointer at the next start.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace hitforge::screen {
class ScoringFunction;
struct ScoredBatch;
}  // namespace hitforge::screen

namespace hitforge::serve {

class CampaignStore;
class RecipeCompiler;
class Metrics;

class CampaignRunner {
 public:
  /// `threads`: OpenMP threads of the calling worker (JobQueueOptions::threads_per_worker).
  CampaignRunner(CampaignStore& store, RecipeCompiler& compiler, Metrics* metrics, int threads);

  /// Scores and commits one chunk of some unfinished campaign; false when there is nothing to do (or stopping).
  bool step();
  void stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }
  /// Chunks scored since start (tests, metrics).
  std::int64_t chunks_committed() const { return chunks_; }

 private:
  CampaignStore& store_;
  RecipeCompiler& compiler_;
  Metrics* metrics_;
  int threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> chunks_{0};
  std::mutex mu_;
  std::set<std::string> busy_;  // campaigns a worker is scoring now
  std::string last_;            // round robin: the campaign served last
};

/// Per-record detail stored with each result: {"components": {label: d}, "values": {column: v}, "notes": "..."}.
/// Separate so that the sync /v1/score route formats records the same way.
nlohmann::json record_detail(const screen::ScoringFunction& sf, const screen::ScoredBatch& batch, std::size_t row);

}  // namespace hitforge::serve
