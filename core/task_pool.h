#pragma once
// A fixed set of worker threads taking tasks in submission order; each task's result (or exception) comes back
// through a std::future. Used where a few long, independent tasks run side by side (hitforge predict runs one
// single-threaded featurise -> model pipeline per worker) and the threads must persist: per-thread set-up (torch
// and oneDNN thread-local state, OpenMP settings) then happens once per worker, not once per task.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace hitforge::core {

class TaskPool {
 public:
  /// Starts `workers` threads (at least 1); each runs `thread_init` once before its first task.
  explicit TaskPool(int workers, std::function<void()> thread_init = {}) {
    for (int i = 0; i < std::max(1, workers); ++i)
      threads_.emplace_back([this, thread_init] {
        if (thread_init) thread_init();
        for (;;) {
          std::packaged_task<void()> task;
          {
            std::unique_lock<std::mutex> lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to run
            task = std::move(queue_.front());
            queue_.pop_front();
          }
          task();
        }
      });
  }
  /// Runs the queued tasks to the end, then joins the threads.
  ~TaskPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  template <class F>
  std::future<std::invoke_result_t<F>> submit(F f) {
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.emplace_back([t = std::move(task)]() mutable { t(); });
    }
    ready_.notify_one();
    return result;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hitforge::core
