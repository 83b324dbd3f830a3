#include "serve/campaign_runner.h"

#include <chrono>
#include <cmath>

#include "chem/mol_input.h"
#include "core/error.h"
#include "core/log.h"
#include "screen/scoring_function.h"
#include "serve/campaign_store.h"
#include "serve/http_types.h"
#include "serve/metrics.h"
#include "serve/model_registry.h"

namespace hitforge::serve {
using core::str_cat;

nlohmann::json record_detail(const screen::ScoringFunction& sf, const screen::ScoredBatch& b, std::size_t i) {
  const auto& comps = sf.components();
  const auto& raw = sf.raw_columns();
  nlohmann::json d = nlohmann::json::object(), v = nlohmann::json::object();
  // NaN is not JSON: absent values are null.
  auto value = [](double x) { return std::isnan(x) ? nlohmann::json() : nlohmann::json(x); };
  for (std::size_t c = 0; c < comps.size(); ++c) d[comps[c]] = value(b.desirability[i * comps.size() + c]);
  for (std::size_t r = 0; r < raw.size(); ++r) v[raw[r]] = value(b.raw[i * raw.size() + r]);
  return {{"components", d}, {"values", v}, {"notes", b.notes[i]}};
}

CampaignRunner::CampaignRunner(CampaignStore& store, RecipeCompiler& compiler, Metrics* metrics, int threads)
    : store_(store), compiler_(compiler), metrics_(metrics), threads_(threads) {}

bool CampaignRunner::step() {
  if (stopping_) return false;
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto ids = store_.unfinished();
    // Round robin: the first free campaign after the one served last, wrapping around.
    std::size_t start = 0;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == last_) start = i + 1;
    for (std::size_t k = 0; k < ids.size() && id.empty(); ++k) {
      const std::string& cand = ids[(start + k) % ids.size()];
      if (!busy_.count(cand)) id = cand;
    }
    if (id.empty()) return false;
    busy_.insert(id);
    last_ = id;
  }
  struct Release {
    CampaignRunner* r;
    std::string id;
    ~Release() {
      std::lock_guard<std::mutex> lock(r->mu_);
      r->busy_.erase(id);
    }
  } release{this, id};

  auto c = store_.get(id);
  if (!c || (c->state != CampaignState::queued && c->state != CampaignState::running)) return true;
  if (c->state == CampaignState::queued) store_.transition(id, {CampaignState::queued}, CampaignState::running);

  RecipeCompiler::Compiled compiled;
  try {
    compiled = compiler_.compile(nlohmann::json::parse(c->recipe));
    // The pins recorded at submission must still hold: a model replaced (and re-pinned) since then would make
    // the campaign's results a mix of two models.
    const nlohmann::json pinned = nlohmann::json::parse(c->models);
    if (pinned != compiled.pins)
      throw HttpError(409, "model_changed",
                      "a model this campaign uses was replaced since it was submitted; resubmit the campaign");
  } catch (const HttpError& e) {
    core::log_warn(str_cat("campaign ", id, " failed: ", e.what()));
    store_.transition(id, {CampaignState::queued, CampaignState::running}, CampaignState::failed, e.what());
    return true;
  }

  const std::int64_t from = c->next_index;
  const std::int64_t n = std::min<std::int64_t>(c->chunk, c->n_records - from);
  if (n <= 0) {  // nothing left (a finished flag lost cannot happen: it commits with the last chunk); be safe
    store_.transition(id, {CampaignState::queued, CampaignState::running}, CampaignState::done);
    return true;
  }
  std::vector<ResultRow> rows;
  std::int64_t counts[3] = {0, 0, 0};
  double seconds = 0;
  try {
    auto records = store_.library(id, from, n);
    if (static_cast<std::int64_t>(records.size()) != n) {
      auto now = store_.get(id);
      if (!now || (now->state != CampaignState::queued && now->state != CampaignState::running))
        return true;  // deleted or cancelled while we were reading
      HITFORGE_CHECK(false, "campaign ", id, ": library rows ", from, "..", from + n, " incomplete (", records.size(),
                     ")");
    }
    const auto t0 = std::chrono::steady_clock::now();
    screen::ScoredBatch batch;
    compiled.scorer->score(records, records.size(), threads_, batch);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rows.resize(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      ResultRow& r = rows[i];
      r.index = batch.chunk.source_index[i];
      r.id = batch.chunk.ids[i];
      r.input = records[i].is_molblock ? std::string() : records[i].text;
      r.smiles = batch.chunk.smiles[i];
      r.status = batch.chunk.status[i];
      r.reason = batch.chunk.reasons[i];
      r.score = batch.score[i];
      r.detail =
          record_detail(*compiled.scorer, batch, i).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      ++counts[std::min(2, r.status)];
    }
  } catch (const std::exception& e) {
    // Bad molecules never throw; this is a model or library failure. Retrying would fail the same way forever and
    // hold a worker: fail the campaign (the reason for the client stays generic, the details go to the log).
    core::log_error(str_cat("campaign ", id, ": scoring records ", from, "..", from + n, " failed: ", e.what()));
    store_.transition(id, {CampaignState::queued, CampaignState::running}, CampaignState::failed,
                      "internal error while scoring (see the server log)");
    return true;
  }
  const bool finished = from + n >= c->n_records;
  if (!store_.commit_chunk(id, from, from + n, rows, seconds, finished)) {
    core::log_info(str_cat("campaign ", id, ": chunk at ", from, " not committed (cancelled or deleted meanwhile)"));
    return true;
  }
  ++chunks_;
  if (metrics_) {
    metrics_->add_molecules("campaign", "ok", counts[0]);
    metrics_->add_molecules("campaign", "invalid", counts[1]);
    metrics_->add_molecules("campaign", "filtered", counts[2]);
  }
  if (finished) core::log_info(str_cat("campaign ", id, " done (", c->n_records, " records)"));
  return true;
}

}  // namespace hitforge::serve
