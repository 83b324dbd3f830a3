#pragma once
// Durable campaign store on SQLite (WAL journal, synchronous=FULL: a transaction that returned is on disk).
//
// Tables:
//   campaigns(id, name, state, recipe, models, columns, top_k, chunk, n_records, next_index, n_ok, n_invalid, n_filtered,
//             created_at, updated_at, started_at, finished_at, scoring_seconds, error)
//   library(campaign, idx, id, text, molblock, error)          — the submitted records, stored before the 202
//   results(campaign, idx, id, input, smiles, status, reason, score, detail)   PRIMARY KEY (campaign, idx)
//
// Exactly-once results: a chunk's result rows and the campaign's progress pointer (next_index) and counts are
// written in one transaction that only applies when next_index still equals the value the chunk was read at and
// the campaign is still queued/running. A crash (kill -9) at any moment therefore leaves either the whole chunk
// and the advanced pointer, or neither; a resumed campaign restarts at next_index and the primary key makes a
// duplicate row impossible. Chunks always start at multiples of the campaign's `chunk`, so a resumed campaign
// scores exactly the batches an uninterrupted one would (model outputs depend in the last float bits on batch
// composition).
//
// Thread-safety: all methods may be called from any thread. Writes share one connection under a mutex; reads use a
// second connection (WAL readers do not wait for a writer's fsync).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chem/molecule_reader.h"

struct sqlite3;

namespace hitforge::serve {

enum class CampaignState { queued, running, done, cancelled, failed };
const char* to_string(CampaignState s);
/// UsageError for an unknown name.
CampaignState parse_campaign_state(const std::string& s);

struct CampaignRecord {
  std::string id, name;
  CampaignState state = CampaignState::queued;
  std::string recipe;  ///< JSON text as submitted (model components name models, never paths)
  std::string models;  ///< JSON object text: model name → sha256 pinned at submission
  std::string columns; ///< JSON text {"components": [...], "values": [...]}: result columns, in recipe order
  std::int64_t top_k = 0, chunk = 256, n_records = 0, next_index = 0;
  std::int64_t n_ok = 0, n_invalid = 0, n_filtered = 0;
  double created_at = 0, updated_at = 0, started_at = 0, finished_at = 0;  ///< Unix seconds; 0 = not yet
  double scoring_seconds = 0;  ///< time spent scoring, summed over runs (resumes)
  std::string error;           ///< why a campaign failed (client-safe text)
};

struct ResultRow {
  std::int64_t index = 0;
  std::string id, input, smiles;
  int status = 0;  ///< chem::RecordStatus
  std::string reason;
  double score = 0;  ///< NaN when the record has no score
  std::string detail;  ///< JSON object text: {"components": {...}, "values": {...}, "notes": "..."}
};

struct ResultQuery {
  std::optional<int> status;  ///< only this chem::RecordStatus; all when empty
  bool by_score = true;       ///< score descending (unscored last), ties by index; else by index
  std::int64_t offset = 0, limit = 100;
  std::int64_t top_k = 0;     ///< with by_score: never list ok records ranked past top_k (0 = no cap)
};

class CampaignStore {
 public:
  /// Opens or creates the database. UsageError (naming the file for the operator) when it cannot.
  explicit CampaignStore(const std::string& path);
  ~CampaignStore();
  CampaignStore(const CampaignStore&) = delete;
  CampaignStore& operator=(const CampaignStore&) = delete;

  /// Inserts the campaign and its library in one transaction; durable when this returns.
  void create(const CampaignRecord& campaign, const std::vector<chem::InputRecord>& library);
  std::optional<CampaignRecord> get(const std::string& id) const;
  /// Newest first.
  std::vector<CampaignRecord> list(std::int64_t offset, std::int64_t limit) const;
  /// Campaigns that are queued or running, oldest first (resumed at start-up, scheduled by the runner).
  std::vector<std::string> unfinished() const;
  std::map<std::string, std::int64_t> count_by_state() const;

  /// Records [from, from + n) of a campaign's library, in index order.
  std::vector<chem::InputRecord> library(const std::string& id, std::int64_t from, std::int64_t n) const;

  /// Commits one scored chunk (see the file comment). Returns false, writing nothing, when the campaign's
  /// next_index is not `expected_next` or it is no longer queued/running (cancelled, deleted, finished).
  bool commit_chunk(const std::string& id, std::int64_t expected_next, std::int64_t new_next,
                    const std::vector<ResultRow>& rows, double scoring_seconds, bool finished);
  /// Moves a campaign to `to` if its state is one of `from`; false otherwise. Sets started/finished times.
  bool transition(const std::string& id, const std::vector<CampaignState>& from, CampaignState to,
                  const std::string& error = "");
  /// Deletes a campaign with its library and results; false when it does not exist.
  bool remove(const std::string& id);

  std::vector<ResultRow> results(const std::string& id, const ResultQuery& query) const;
  /// Number of rows `results` would list without offset/limit.
  std::int64_t count_results(const std::string& id, const ResultQuery& query) const;
  /// Result rows stored for a campaign (all statuses); for tests and consistency checks.
  std::int64_t stored_results(const std::string& id) const;

 private:
  sqlite3* writer_ = nullptr;
  sqlite3* reader_ = nullptr;
  mutable std::mutex write_mu_, read_mu_;
};

/// Unix time in seconds.
double unix_now();

}  // namespace hitforge::serve
