// core::TaskPool: results come back through futures, exceptions too; every worker runs its set-up once; tasks run
// side by side on distinct threads; the destructor finishes the queued tasks.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/task_pool.h"

using hitforge::core::TaskPool;

TEST_CASE("TaskPool returns each task's result and exception through its future", "[core]") {
  std::atomic<int> inits{0};
  {
    TaskPool pool(3, [&] { ++inits; });
    std::vector<std::future<int>> results;
    for (int i = 0; i < 50; ++i) results.push_back(pool.submit([i] { return i * i; }));
    auto bad = pool.submit([]() -> int { throw std::runtime_error("record 7: no atoms"); });
    for (int i = 0; i < 50; ++i) CHECK(results[static_cast<std::size_t>(i)].get() == i * i);
    CHECK_THROWS_WITH(bad.get(), "record 7: no atoms");
    auto after = pool.submit([] { return 1; });  // a failed task does not stop its worker
    CHECK(after.get() == 1);
    CHECK(inits >= 1);  // the workers that ran a task had set up first; the others may still be starting
  }
  CHECK(inits == 3);  // joined: every worker ran its set-up exactly once
}

TEST_CASE("TaskPool runs tasks on its workers side by side and finishes the queue when destroyed", "[core]") {
  std::mutex m;
  std::set<std::thread::id> ids;
  std::atomic<int> arrived{0}, done{0};
  std::atomic<bool> met{true};
  {
    TaskPool pool(2);
    // the first two tasks wait (up to 30 s) until both have started: only two workers side by side get past it
    for (int i = 0; i < 2; ++i)
      pool.submit([&] {
        ++arrived;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (arrived < 2 && std::chrono::steady_clock::now() < until)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (arrived < 2) met = false;
        std::lock_guard<std::mutex> lock(m);
        ids.insert(std::this_thread::get_id());
        ++done;
      });
    for (int i = 0; i < 6; ++i) pool.submit([&] { ++done; });
  }  // futures dropped: the destructor still runs every queued task
  CHECK(met);
  CHECK(done == 8);
  CHECK(ids.size() == 2);
  CHECK(ids.count(std::this_thread::get_id()) == 0);
}
