#pragma once
// Checkpoint, resume and logging machinery shared by the trainers (property models: train/trainer.cpp; language
// models: train/lm_trainer.cpp), so both resume the same way:
//   * state.pt after every finished epoch: weights, optimizer, best-epoch snapshot, counters and torch's default
//     CPU generator (dropout), published atomically — a run killed at any point resumes from the last finished
//     epoch to the result of an uninterrupted run;
//   * log.jsonl, one JSON line per epoch (and ensemble member); lines of epochs that were logged but not
//     checkpointed are dropped on resume, so every epoch appears once.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

namespace hitforge::train {

struct TrainOptions;

/// Counters of one model's training, saved with its state.
struct TrainState {
  std::int64_t epoch = 0;  ///< epochs finished
  std::int64_t step = 0;   ///< optimizer steps taken
  std::int64_t best_epoch = -1;
  double best_metric = NAN;
  std::int64_t bad_epochs = 0;  ///< epochs since the last improvement
  bool finished = false;
};

/// Writes `path` atomically: module parameters and buffers, optimizer state, `best` (snapshot()), counters and the
/// default CPU generator's state.
void save_train_state(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                      const std::vector<torch::Tensor>& best, const TrainState& state);
/// Inverse of save_train_state (restores the generator too); UsageError naming the file when it is unreadable.
TrainState load_train_state(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                            std::vector<torch::Tensor>& best);

/// Loads weights saved with torch::serialize (model.pt) into `module`; UsageError naming the file when it is missing
/// or does not fit the module.
void load_weights(torch::nn::Module& module, const std::string& path);

/// Detached copies of every parameter and buffer, in module order.
std::vector<torch::Tensor> snapshot(const torch::nn::Module& module);
/// Copies a snapshot back into the module.
void restore(torch::nn::Module& module, const std::vector<torch::Tensor>& snapshot);

/// Adam or AdamW (options.optimizer) at options.init_lr with options.weight_decay; UsageError for other names.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& options,
                                                        const std::vector<torch::Tensor>& parameters);
void set_lr(torch::optim::Optimizer& optimizer, double lr);

/// Rewrites the log (atomically) without member `member`'s lines past `epoch`.
void drop_log_lines_after(const std::string& path, int member, std::int64_t epoch);
void append_log_line(const std::string& path, const std::string& line);
/// Values of `key` in member `member`'s lines, in file order (NaN where a line lacks a number).
std::vector<double> read_log_column(const std::string& path, int member, const std::string& key);

}  // namespace hitforge::train
