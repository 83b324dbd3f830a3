#include "serve/campaign_store.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "core/log.h"

namespace hitforge::serve {
using core::str_cat;

namespace {

constexpr int kSchemaVersion = 1;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaigns(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, state TEXT NOT NULL, recipe TEXT NOT NULL, models TEXT NOT NULL, columns TEXT NOT NULL,
  top_k INTEGER NOT NULL, chunk INTEGER NOT NULL, n_records INTEGER NOT NULL, next_index INTEGER NOT NULL,
  n_ok INTEGER NOT NULL, n_invalid INTEGER NOT NULL, n_filtered INTEGER NOT NULL,
  created_at REAL NOT NULL, updated_at REAL NOT NULL, started_at REAL NOT NULL, finished_at REAL NOT NULL,
  scoring_seconds REAL NOT NULL, error TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS library(
  campaign TEXT NOT NULL, idx INTEGER NOT NULL, id TEXT NOT NULL, text TEXT NOT NULL, molblock INTEGER NOT NULL,
  error TEXT NOT NULL, PRIMARY KEY (campaign, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results(
  campaign TEXT NOT NULL, idx INTEGER NOT NULL, id TEXT NOT NULL, input TEXT NOT NULL, smiles TEXT NOT NULL,
  status INTEGER NOT NULL, reason TEXT NOT NULL, score REAL, detail TEXT NOT NULL,
  PRIMARY KEY (campaign, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS results_ranked ON results(campaign, status, score DESC, idx);
)sql";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK)
      throw core::InternalError(str_cat("SQL prepare failed: ", sqlite3_errmsg(db)), __FILE__, __LINE__);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(st_, i, v));
    return *this;
  }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v) {
    check(std::isnan(v) ? sqlite3_bind_null(st_, i) : sqlite3_bind_double(st_, i, v));
    return *this;
  }
  /// true while there is a row.
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw core::InternalError(str_cat("SQL step failed: ", sqlite3_errmsg(db_)), __FILE__, __LINE__);
  }
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  std::string text(int c) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, c))) : std::string();
  }
  std::int64_t i64(int c) const { return sqlite3_column_int64(st_, c); }
  double real(int c) const {
    return sqlite3_column_type(st_, c) == SQLITE_NULL ? std::nan("") : sqlite3_column_double(st_, c);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK)
      throw core::InternalError(str_cat("SQL bind failed: ", sqlite3_errmsg(db_)), __FILE__, __LINE__);
  }
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    throw core::InternalError(str_cat("SQL failed (", msg, "): ", sql), __FILE__, __LINE__);
  }
}

// BEGIN IMMEDIATE ... COMMIT, rolled back when the scope is left without commit() (an exception).
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

sqlite3* open_db(const std::string& path, bool readonly) {
  sqlite3* db = nullptr;
  const int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw core::UsageError(str_cat("cannot open the campaign store '", path, "': ", msg));
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

const char* kCampaignColumns =
    "id, name, state, recipe, models, top_k, chunk, n_records, next_index, n_ok, n_invalid, n_filtered, "
    "created_at, updated_at, started_at, finished_at, scoring_seconds, error, columns";

CampaignRecord read_campaign(const Stmt& s) {
  CampaignRecord c;
  c.id = s.text(0);
  c.name = s.text(1);
  c.state = parse_campaign_state(s.text(2));
  c.recipe = s.text(3);
  c.models = s.text(4);
  c.top_k = s.i64(5);
  c.chunk = s.i64(6);
  c.n_records = s.i64(7);
  c.next_index = s.i64(8);
  c.n_ok = s.i64(9);
  c.n_invalid = s.i64(10);
  c.n_filtered = s.i64(11);
  c.created_at = s.real(12);
  c.updated_at = s.real(13);
  c.started_at = s.real(14);
  c.finished_at = s.real(15);
  c.scoring_seconds = s.real(16);
  c.error = s.text(17);
  c.columns = s.text(18);
  return c;
}

struct Cutoff {
  bool active = false;
  double score = 0;
  std::int64_t idx = 0;
};

// WHERE/ORDER BY of a result query. Parameters: ?1 campaign, ?2 status (when filtered), ?3/?6 the top-k cutoff (the
// score and index of the top_k-th ok record: ok records ranked after it are not listed), ?4 limit, ?5 offset.
std::string result_sql(const ResultQuery& q, const Cutoff& cut, bool count) {
  std::string where = "campaign = ?1";
  if (q.status) where += " AND status = ?2";
  if (cut.active) where += " AND (status != 0 OR score > ?3 OR (score = ?3 AND idx <= ?6))";
  if (count) return "SELECT COUNT(*) FROM results WHERE " + where;
  std::string order = q.by_score ? "score IS NULL, score DESC, idx" : "idx";
  return "SELECT idx, id, input, smiles, status, reason, score, detail FROM results WHERE " + where + " ORDER BY " +
         order + " LIMIT ?4 OFFSET ?5";
}

// The top_k-th ok record in rank order (uses the results_ranked index); inactive when there are fewer.
Cutoff top_k_cutoff(sqlite3* db, const std::string& id, const ResultQuery& q) {
  Cutoff c;
  if (!q.by_score || q.top_k <= 0) return c;
  Stmt s(db, "SELECT score, idx FROM results WHERE campaign = ?1 AND status = 0 ORDER BY score DESC, idx "
             "LIMIT 1 OFFSET ?2");
  s.bind(1, id).bind(2, q.top_k - 1);
  if (s.step()) {
    c.active = true;
    c.score = s.real(0);
    c.idx = s.i64(1);
  }
  return c;
}

void bind_query(Stmt& s, const std::string& id, const ResultQuery& q, const Cutoff& cut) {
  s.bind(1, id);
  if (q.status) s.bind(2, *q.status);
  if (cut.active) s.bind(3, cut.score).bind(6, cut.idx);
}

}  // namespace

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const char* to_string(CampaignState s) {
  switch (s) {
    case CampaignState::queued: return "queued";
    case CampaignState::running: return "running";
    case CampaignState::done: return "done";
    case CampaignState::cancelled: return "cancelled";
    case CampaignState::failed: return "failed";
  }
  return "unknown";
}

CampaignState parse_campaign_state(const std::string& s) {
  for (auto st : {CampaignState::queued, CampaignState::running, CampaignState::done, CampaignState::cancelled,
                  CampaignState::failed})
    if (s == to_string(st)) return st;
  throw core::UsageError(str_cat("unknown campaign state '", s, "'"));
}

CampaignStore::CampaignStore(const std::string& path) {
  writer_ = open_db(path, false);
  try {
    // WAL: readers never block the writer; synchronous=FULL: COMMIT returns after the WAL is fsync'ed, so a
    // committed chunk survives kill -9 and power loss.
    exec(writer_, "PRAGMA journal_mode=WAL");
    exec(writer_, "PRAGMA synchronous=FULL");
    exec(writer_, "PRAGMA foreign_keys=ON");
    exec(writer_, kSchema);
    Stmt v(writer_, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (v.step()) {
      HITFORGE_REQUIRE(v.text(0) == std::to_string(kSchemaVersion), "campaign store '", path,
                       "' has schema version ", v.text(0), "; this hitforge reads version ", kSchemaVersion);
    } else {
      Stmt ins(writer_, "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)");
      ins.bind(1, std::to_string(kSchemaVersion)).step();
    }
    reader_ = open_db(path, true);
  } catch (...) {
    sqlite3_close(writer_);
    sqlite3_close(reader_);
    throw;
  }
}

CampaignStore::~CampaignStore() {
  sqlite3_close(reader_);
  sqlite3_close(writer_);
}

void CampaignStore::create(const CampaignRecord& c, const std::vector<chem::InputRecord>& library) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction tx(writer_);
  Stmt ins(writer_, (std::string("INSERT INTO campaigns(") + kCampaignColumns +
                     ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)")
                        .c_str());
  ins.bind(1, c.id).bind(2, c.name).bind(3, std::string(to_string(c.state))).bind(4, c.recipe).bind(5, c.models);
  ins.bind(6, c.top_k).bind(7, c.chunk).bind(8, c.n_records).bind(9, c.next_index);
  ins.bind(10, c.n_ok).bind(11, c.n_invalid).bind(12, c.n_filtered);
  ins.bind(13, c.created_at).bind(14, c.updated_at).bind(15, c.started_at).bind(16, c.finished_at);
  ins.bind(17, c.scoring_seconds).bind(18, c.error).bind(19, c.columns);
  ins.step();
  Stmt lib(writer_, "INSERT INTO library(campaign, idx, id, text, molblock, error) VALUES (?1,?2,?3,?4,?5,?6)");
  for (const auto& r : library) {
    lib.bind(1, c.id).bind(2, r.index).bind(3, r.id).bind(4, r.text).bind(5, r.is_molblock ? 1 : 0).bind(6, r.error);
    lib.step();
    lib.reset();
  }
  tx.commit();
}

std::optional<CampaignRecord> CampaignStore::get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  Stmt s(reader_, (std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE id = ?1").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_campaign(s);
}

std::vector<CampaignRecord> CampaignStore::list(std::int64_t offset, std::int64_t limit) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  Stmt s(reader_, (std::string("SELECT ") + kCampaignColumns +
                   " FROM campaigns ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2")
                      .c_str());
  s.bind(1, limit).bind(2, offset);
  std::vector<CampaignRecord> out;
  while (s.step()) out.push_back(read_campaign(s));
  return out;
}

std::vector<std::string> CampaignStore::unfinished() const {
  std::lock_guard<std::mutex> lock(read_mu_);
  Stmt s(reader_, "SELECT id FROM campaigns WHERE state IN ('queued', 'running') ORDER BY created_at, id");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::map<std::string, std::int64_t> CampaignStore::count_by_state() const {
  std::map<std::string, std::int64_t> out;
  for (auto st : {CampaignState::queued, CampaignState::running, CampaignState::done, CampaignState::cancelled,
                  CampaignState::failed})
    out[to_string(st)] = 0;
  std::lock_guard<std::mutex> lock(read_mu_);
  Stmt s(reader_, "SELECT state, COUNT(*) FROM campaigns GROUP BY state");
  while (s.step()) out[s.text(0)] = s.i64(1);
  return out;
}

std::vector<chem::InputRecord> CampaignStore::library(const std::string& id, std::int64_t from,
                                                      std::int64_t n) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  Stmt s(reader_,
         "SELECT idx, id, text, molblock, error FROM library WHERE campaign = ?1 AND idx >= ?2 AND idx < ?3 "
         "ORDER BY idx");
  s.bind(1, id).bind(2, from).bind(3, from + n);
  std::vector<chem::InputRecord> out;
  while (s.step()) {
    chem::InputRecord r;
    r.index = s.i64(0);
    r.line = r.index + 1;
    r.id = s.text(1);
    r.text = s.text(2);
    r.is_molblock = s.i64(3) != 0;
    r.error = s.text(4);
    out.push_back(std::move(r));
  }
  return out;
}

bool CampaignStore::commit_chunk(const std::string& id, std::int64_t expected_next, std::int64_t new_next,
                                 const std::vector<ResultRow>& rows, double scoring_seconds, bool finished) {
  std::int64_t counts[3] = {0, 0, 0};
  for (const auto& r : rows) ++counts[std::min(2, std::max(0, r.status))];
  const double now = unix_now();
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction tx(writer_);
  // The guard: the pointer must not have moved and the campaign must still be live. Anything else means another
  // writer committed this chunk already, or the campaign was cancelled or deleted meanwhile: write nothing.
  Stmt upd(writer_,
           "UPDATE campaigns SET next_index = ?3, n_ok = n_ok + ?4, n_invalid = n_invalid + ?5, "
           "n_filtered = n_filtered + ?6, scoring_seconds = scoring_seconds + ?7, updated_at = ?8, "
           "state = CASE WHEN ?9 THEN 'done' ELSE 'running' END, finished_at = CASE WHEN ?9 THEN ?8 ELSE 0 END "
           "WHERE id = ?1 AND next_index = ?2 AND state IN ('queued', 'running')");
  upd.bind(1, id).bind(2, expected_next).bind(3, new_next).bind(4, counts[0]).bind(5, counts[1]).bind(6, counts[2]);
  upd.bind(7, scoring_seconds).bind(8, now).bind(9, finished ? 1 : 0);
  upd.step();
  if (sqlite3_changes(writer_) != 1) return false;  // rolled back by ~Transaction
  Stmt ins(writer_,
           "INSERT INTO results(campaign, idx, id, input, smiles, status, reason, score, detail) "
           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
  for (const auto& r : rows) {
    ins.bind(1, id).bind(2, r.index).bind(3, r.id).bind(4, r.input).bind(5, r.smiles).bind(6, r.status);
    ins.bind(7, r.reason).bind(8, r.score).bind(9, r.detail);
    ins.step();
    ins.reset();
  }
  tx.commit();
  return true;
}

bool CampaignStore::transition(const std::string& id, const std::vector<CampaignState>& from, CampaignState to,
                               const std::string& error) {
  std::string in;
  for (auto s : from) in += std::string(in.empty() ? "'" : ", '") + to_string(s) + "'";
  const bool terminal = to == CampaignState::done || to == CampaignState::cancelled || to == CampaignState::failed;
  const std::string sql =
      str_cat("UPDATE campaigns SET state = ?2, error = ?3, updated_at = ?4",
              to == CampaignState::running ? ", started_at = CASE WHEN started_at = 0 THEN ?4 ELSE started_at END"
                                           : "",
              terminal ? ", finished_at = ?4" : "", " WHERE id = ?1 AND state IN (", in, ")");
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_, sql.c_str());
  s.bind(1, id).bind(2, std::string(to_string(to))).bind(3, error).bind(4, unix_now());
  s.step();
  return sqlite3_changes(writer_) == 1;
}

bool CampaignStore::remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction tx(writer_);
  Stmt del(writer_, "DELETE FROM campaigns WHERE id = ?1");
  del.bind(1, id).step();
  if (sqlite3_changes(writer_) != 1) return false;
  Stmt lib(writer_, "DELETE FROM library WHERE campaign = ?1");
  lib.bind(1, id).step();
  Stmt res(writer_, "DELETE FROM results WHERE campaign = ?1");
  res.bind(1, id).step();
  tx.commit();
  return true;
}

std::vector<ResultRow> CampaignStore::results(const std::string& id, const ResultQuery& q) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  const Cutoff cut = top_k_cutoff(reader_, id, q);
  Stmt s(reader_, result_sql(q, cut, false).c_str());
  bind_query(s, id, q, cut);
  s.bind(4, q.limit).bind(5, q.offset);
  std::vector<ResultRow> out;
  while (s.step()) {
    ResultRow r;
    r.index = s.i64(0);
    r.id = s.text(1);
    r.input = s.text(2);
    r.smiles = s.text(3);
    r.status = static_cast<int>(s.i64(4));
    r.reason = s.text(5);
    r.score = s.real(6);
    r.detail = s.text(7);
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t CampaignStore::count_results(const std::string& id, const ResultQuery& q) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  const Cutoff cut = top_k_cutoff(reader_, id, q);
  Stmt s(reader_, result_sql(q, cut, true).c_str());
  bind_query(s, id, q, cut);
  return s.step() ? s.i64(0) : 0;
}

std::int64_t CampaignStore::stored_results(const std::string& id) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  Stmt s(reader_, "SELECT COUNT(*) FROM results WHERE campaign = ?1");
  s.bind(1, id);
  return s.step() ? s.i64(0) : 0;
}

}  // namespace hitforge::serve
