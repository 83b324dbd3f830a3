#include "serve/job_queue.h"

#include <algorithm>

#include "core/error.h"
#include "core/log.h"
#include "core/threads.h"
#include "screen/scoring_function.h"
#include "serve/http_types.h"

namespace hitforge::serve {

JobQueue::JobQueue(JobQueueOptions options, std::function<bool()> background)
    : options_(options), background_(std::move(background)) {
  HITFORGE_CHECK(options_.workers >= 1 && options_.threads_per_worker >= 1, "bad worker configuration");
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] { worker_main(i); });
}

JobQueue::~JobQueue() { stop(); }

bool JobQueue::submit(std::unique_ptr<ScoreJob>& job) {
  HITFORGE_CHECK(!job->task || job->batch_key.empty(), "a task job must not have a batch key");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void JobQueue::notify_background() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    background_pending_ = true;
  }
  cv_.notify_all();
}

void JobQueue::stop() {
  std::deque<std::unique_ptr<ScoreJob>> orphans;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    orphans.swap(queue_);
  }
  cv_.notify_all();
  for (auto& job : orphans)
    job->failed(std::make_exception_ptr(HttpError(503, "shutting_down", "the server is shutting down")));
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::size_t JobQueue::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

std::size_t JobQueue::running_jobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void JobQueue::worker_main(int index) {
  // OpenMP's thread count is a per-thread setting: apply this worker's share here, in the worker itself. Torch's
  // intra-op count is process-wide (core::init_runtime set it to the same share) and read lazily per thread.
  core::configure_threads(options_.threads_per_worker);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!queue_.empty()) {
      std::vector<std::unique_ptr<ScoreJob>> batch;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
      const std::string key = batch.front()->batch_key;
      std::size_t molecules = batch.front()->smiles.size();
      // Gather same-key jobs; when the last batch showed concurrent clients, wait a little for more of them.
      const auto until = std::chrono::steady_clock::now() + options_.batch_window;
      const bool wait_for_more = last_batch_merged_ && options_.batch_window.count() > 0;
      for (;;) {
        for (auto it = queue_.begin(); it != queue_.end() && molecules < options_.max_batch;) {
          if (!key.empty() && (*it)->batch_key == key && molecules + (*it)->smiles.size() <= options_.max_batch) {
            molecules += (*it)->smiles.size();
            batch.push_back(std::move(*it));
            it = queue_.erase(it);
          } else {
            ++it;
          }
        }
        if (!wait_for_more || key.empty() || molecules >= options_.max_batch || stopping_) break;
        if (cv_.wait_until(lock, until) == std::cv_status::timeout) {
          // One last sweep after the window closes, then run.
          for (auto it = queue_.begin(); it != queue_.end();) {
            if ((*it)->batch_key == key && molecules + (*it)->smiles.size() <= options_.max_batch) {
              molecules += (*it)->smiles.size();
              batch.push_back(std::move(*it));
              it = queue_.erase(it);
            } else {
              ++it;
            }
          }
          break;
        }
      }
      last_batch_merged_ = batch.size() > 1;
      ++running_;
      lock.unlock();
      run_batch(batch);
      lock.lock();
      --running_;
      continue;
    }
    if (background_pending_ && background_) {
      // Several workers may poll at once: the runner hands each chunk to one of them.
      lock.unlock();
      bool did = false;
      try {
        did = background_();
      } catch (const std::exception& e) {
        core::log_error(core::str_cat("background work failed: ", e.what()));
      }
      lock.lock();
      if (!did) background_pending_ = false;
      continue;
    }
    cv_.wait_for(lock, options_.background_poll);
    background_pending_ = true;  // poll: a campaign may have been resumed by another path
  }
  (void)index;
}

void JobQueue::run_batch(std::vector<std::unique_ptr<ScoreJob>>& jobs) {
  const auto now = ScoreJob::Clock::now();
  std::vector<std::unique_ptr<ScoreJob>> live;
  for (auto& j : jobs) {
    if (j->deadline < now)
      j->failed(std::make_exception_ptr(
          HttpError(503, "deadline_exceeded", "the request's deadline passed before it could be scored")));
    else
      live.push_back(std::move(j));
  }
  if (live.empty()) return;
  if (live.front()->task) {  // tasks are never merged (empty batch key): exactly one job here
    for (auto& j : live) {
      try {
        j->task();
      } catch (...) {
        j->failed(std::current_exception());
      }
    }
    return;
  }
  try {
    auto sf = live.front()->scorer();
    std::vector<std::string> smiles;
    for (const auto& j : live) smiles.insert(smiles.end(), j->smiles.begin(), j->smiles.end());
    screen::ScoredBatch batch;
    sf->score_smiles(smiles, options_.threads_per_worker, batch);
    std::size_t offset = 0;
    for (auto& j : live) {
      j->done(batch, offset, *sf);
      offset += j->smiles.size();
    }
  } catch (...) {
    auto e = std::current_exception();
    for (auto& j : live) j->failed(e);
  }
}

}  // namespace hitforge::serve
