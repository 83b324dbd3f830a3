// CampaignStore: the exactly-once commit guard, state transitions, ranked paging with the top-k cap, durability
// across reopening.
#include <catch2/catch.hpp>

#include <cmath>

#include "serve/campaign_store.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::serve;
using hitforge::testing::TempDir;

namespace {
CampaignRecord campaign(const std::string& id, std::int64_t n, std::int64_t chunk, std::int64_t top_k = 0) {
  CampaignRecord c;
  c.id = id;
  c.name = id;
  c.recipe = R"({"components":[{"scorer":"qed"}]})";
  c.models = "{}";
  c.columns = R"({"components":["qed"],"values":["qed"]})";
  c.n_records = n;
  c.chunk = chunk;
  c.top_k = top_k;
  c.created_at = c.updated_at = unix_now();
  return c;
}

std::vector<chem::InputRecord> library(std::int64_t n) {
  std::vector<chem::InputRecord> lib(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    lib[static_cast<std::size_t>(i)].index = i;
    lib[static_cast<std::size_t>(i)].text = std::string(static_cast<std::size_t>(i % 5 + 1), 'C');
  }
  return lib;
}

std::vector<ResultRow> rows(std::int64_t from, std::int64_t n, const std::vector<double>& scores) {
  std::vector<ResultRow> out;
  for (std::int64_t i = from; i < from + n; ++i) {
    ResultRow r;
    r.index = i;
    r.status = std::isnan(scores[static_cast<std::size_t>(i)]) ? 1 : 0;
    r.score = scores[static_cast<std::size_t>(i)];
    r.detail = "{}";
    out.push_back(r);
  }
  return out;
}
}  // namespace

TEST_CASE("campaign store: a chunk commits once; a stale or cancelled commit writes nothing", "[serve]") {
  TempDir dir;
  const std::vector<double> scores = {0.5, NAN, 0.9, 0.1, 0.9, 0.7};
  {
    CampaignStore s(dir.file("c.db"));
    s.create(campaign("a", 6, 2, 2), library(6));
    CHECK(s.library("a", 2, 2).size() == 2);
    CHECK(s.library("a", 2, 2)[0].text == "CCC");
    CHECK(s.unfinished() == std::vector<std::string>{"a"});
    CHECK(s.commit_chunk("a", 0, 2, rows(0, 2, scores), 0.1, false));
    // The same chunk again (a worker that lost a race, a replay after a crash): refused, nothing written.
    CHECK_FALSE(s.commit_chunk("a", 0, 2, rows(0, 2, scores), 0.1, false));
    CHECK(s.stored_results("a") == 2);
    CHECK(s.get("a")->state == CampaignState::running);
    CHECK(s.get("a")->n_invalid == 1);
  }
  {
    // Reopened: what was committed is there, and the pointer says where to resume.
    CampaignStore s(dir.file("c.db"));
    auto c = s.get("a");
    REQUIRE(c);
    CHECK(c->next_index == 2);
    CHECK(c->n_ok == 1);
    CHECK(s.commit_chunk("a", 2, 4, rows(2, 2, scores), 0.1, false));
    CHECK(s.commit_chunk("a", 4, 6, rows(4, 2, scores), 0.1, true));
    CHECK(s.get("a")->state == CampaignState::done);
    CHECK(s.unfinished().empty());

    // Ranked by score, ties by index; top_k = 2 caps the ok records, invalid ones stay listed with status=all.
    ResultQuery q;
    q.top_k = 2;
    auto r = s.results("a", q);
    REQUIRE(r.size() == 3);
    CHECK(r[0].index == 2);
    CHECK(r[1].index == 4);
    CHECK(r[2].index == 1);  // unscored last
    CHECK(s.count_results("a", q) == 3);
    q.top_k = 0;
    q.status = 0;
    q.offset = 1;
    q.limit = 2;
    r = s.results("a", q);
    REQUIRE(r.size() == 2);
    CHECK(r[0].index == 4);
    CHECK(r[1].index == 5);
    q.by_score = false;
    q.status.reset();
    q.offset = 0;
    q.limit = 100;
    r = s.results("a", q);
    REQUIRE(r.size() == 6);
    for (std::size_t i = 0; i < r.size(); ++i) CHECK(r[i].index == static_cast<std::int64_t>(i));

    s.create(campaign("b", 4, 2), library(4));
    CHECK(s.transition("b", {CampaignState::queued, CampaignState::running}, CampaignState::cancelled));
    CHECK_FALSE(s.commit_chunk("b", 0, 2, rows(0, 2, scores), 0.1, false));
    CHECK(s.stored_results("b") == 0);
    CHECK_FALSE(s.transition("b", {CampaignState::queued, CampaignState::running}, CampaignState::cancelled));
    CHECK(s.count_by_state().at("cancelled") == 1);
    CHECK(s.remove("b"));
    CHECK_FALSE(s.get("b"));
    CHECK(s.library("b", 0, 10).empty());
    CHECK_FALSE(s.remove("b"));
  }
}
