#pragma once
// The worker pool: every scoring computation of the server runs here, never on an I/O thread.
//
// Two kinds of work, interactive first:
//   * score jobs (POST /v1/predict, /v1/score) in a bounded queue: submit() refuses when `queue_capacity` jobs wait
//     (the route answers 503 + Retry-After). Dynamic batching: a worker takes the oldest job plus every queued job
//     with the same batch key (same scorer) up to `max_batch` molecules and scores them in one call. When the
//     previous batch held more than one job (clients are concurrent), it first waits up to `batch_window` for more
//     to arrive; a lone client (concurrency 1) never waits. A job whose deadline passed before it started fails
//     with 503 "deadline_exceeded" without being scored.
//   * tasks (ScoreJob::task set: sampling from a generative prior, parsing a campaign upload, drawing a structure)
//     share the same bounded queue, deadline and 503 semantics, but are never merged: each runs alone.
//   * background steps (one chunk of a campaign), pulled from `background` whenever no score job waits; the
//     function returns false when there is nothing to do, and the worker sleeps until notify_background() or
//     `background_poll`.
// Threads: `workers` threads, each running OpenMP/torch work with `threads_per_worker` threads (core/threads.h), so
// workers × threads_per_worker is the whole compute budget and pools never oversubscribe the cores.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hitforge::screen {
class ScoringFunction;
struct ScoredBatch;
}  // namespace hitforge::screen

namespace hitforge::serve {

struct JobQueueOptions {
  int workers = 1;
  int threads_per_worker = 1;
  std::size_t queue_capacity = 64;  ///< score jobs waiting (not running)
  std::size_t max_batch = 512;      ///< molecules per merged batch
  std::chrono::microseconds batch_window{2000};
  std::chrono::milliseconds background_poll{500};
};

struct ScoreJob {
  using Clock = std::chrono::steady_clock;
  std::string batch_key;  ///< jobs with equal keys share a scorer and may be merged
  /// Called on the worker (may compile a recipe and load models: never on an I/O thread). Throws on bad recipes.
  std::function<std::shared_ptr<const screen::ScoringFunction>()> scorer;
  std::vector<std::string> smiles;
  Clock::time_point deadline = Clock::time_point::max();
  /// Rows [offset, offset + smiles.size()) of `batch` are this job's, in order.
  std::function<void(const screen::ScoredBatch& batch, std::size_t offset, const screen::ScoringFunction& sf)> done;
  /// A task instead of scoring: when set, the worker calls it (alone, never merged; `batch_key` must be empty,
  /// `scorer`, `smiles` and `done` are unused) and routes anything it throws to `failed`.
  std::function<void()> task;
  /// Any failure: the scorer could not be built, the deadline passed, the server stopped (HttpError), a bug.
  std::function<void(std::exception_ptr)> failed;
};

class JobQueue {
 public:
  JobQueue(JobQueueOptions options, std::function<bool()> background);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  /// Queues a job; false (job untouched) when the queue is full or the pool is stopping.
  bool submit(std::unique_ptr<ScoreJob>& job);
  /// Wakes a worker for background work (a campaign was submitted or resumed).
  void notify_background();
  /// Stops taking work: queued jobs fail with 503 "shutting_down", running steps finish, threads are joined.
  void stop();

  std::size_t queue_depth() const;
  std::size_t running_jobs() const;
  const JobQueueOptions& options() const { return options_; }

 private:
  void worker_main(int index);
  void run_batch(std::vector<std::unique_ptr<ScoreJob>>& jobs);

  JobQueueOptions options_;
  std::function<bool()> background_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ScoreJob>> queue_;
  std::vector<std::thread> threads_;
  std::size_t running_ = 0;
  bool stopping_ = false, background_pending_ = true, last_batch_merged_ = false;
};

}  // namespace hitforge::serve
