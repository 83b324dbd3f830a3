#include "train/train_state.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/trainer.h"

namespace hitforge::train {
using core::str_cat;

namespace {
torch::Tensor scalar(double v) { return torch::tensor({v}, torch::kFloat64); }
double read_scalar(torch::serialize::InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t);
  return t.item<double>();
}
}  // namespace

void save_train_state(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer& opt,
                      const std::vector<torch::Tensor>& best, const TrainState& st) {
  core::AtomicFile out(path);
  torch::serialize::OutputArchive a, ma, oa, ba;
  module.save(ma);
  opt.save(oa);
  for (size_t i = 0; i < best.size(); ++i) ba.write(str_cat("p", i), best[i]);
  a.write("model", ma);
  a.write("optimizer", oa);
  a.write("best", ba);
  a.write("epoch", scalar(st.epoch));
  a.write("step", scalar(st.step));
  a.write("best_epoch", scalar(st.best_epoch));
  a.write("best_metric", scalar(st.best_metric));
  a.write("bad_epochs", scalar(st.bad_epochs));
  a.write("finished", scalar(st.finished ? 1 : 0));
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    a.write("rng", gen.get_state());
  }
  a.save_to(out.temp_path());
  out.commit();
}

TrainState load_train_state(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer& opt,
                            std::vector<torch::Tensor>& best) {
  torch::serialize::InputArchive a, ma, oa, ba;
  try {
    a.load_from(path);
  } catch (const c10::Error& e) {
    throw core::UsageError(str_cat("cannot resume from '", path, "': ", e.what_without_backtrace()));
  }
  a.read("model", ma);
  module.load(ma);
  a.read("optimizer", oa);
  opt.load(oa);
  a.read("best", ba);
  for (size_t i = 0; i < best.size(); ++i) {
    torch::Tensor t;
    ba.read(str_cat("p", i), t);
    best[i] = t;
  }
  TrainState st;
  st.epoch = static_cast<std::int64_t>(read_scalar(a, "epoch"));
  st.step = static_cast<std::int64_t>(read_scalar(a, "step"));
  st.best_epoch = static_cast<std::int64_t>(read_scalar(a, "best_epoch"));
  st.best_metric = read_scalar(a, "best_metric");
  st.bad_epochs = static_cast<std::int64_t>(read_scalar(a, "bad_epochs"));
  st.finished = read_scalar(a, "finished") != 0;
  torch::Tensor rng;
  a.read("rng", rng);
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(rng);
  return st;
}

void load_weights(torch::nn::Module& module, const std::string& path) {
  HITFORGE_REQUIRE(std::filesystem::exists(path), "model weights '", path, "' are missing");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
    module.load(archive);
  } catch (const c10::Error& e) {
    throw core::UsageError(str_cat("cannot load model weights '", path, "': ", e.what_without_backtrace()));
  }
}

std::vector<torch::Tensor> snapshot(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : module.buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(torch::nn::Module& module, const std::vector<torch::Tensor>& snap) {
  torch::NoGradGuard ng;
  size_t i = 0;
  for (auto& p : module.parameters()) p.copy_(snap.at(i++));
  for (auto& b : module.buffers()) b.copy_(snap.at(i++));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o, const std::vector<torch::Tensor>& params) {
  HITFORGE_REQUIRE(o.optimizer == "adam" || o.optimizer == "adamw", "--optimizer must be adam or adamw (got '",
                   o.optimizer, "')");
  if (o.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(o.init_lr).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.init_lr).weight_decay(o.weight_decay));
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

void drop_log_lines_after(const std::string& path, int member, std::int64_t epoch) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, l;
  while (std::getline(in, l)) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    if (!j.is_discarded() && j.value("member", -1) == member && j.value("epoch", std::int64_t{0}) > epoch) continue;
    kept += l + "\n";
  }
  core::write_file_atomic(path, kept);
}

void append_log_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  HITFORGE_REQUIRE(out.good(), "cannot append to '", path, "'");
}

std::vector<double> read_log_column(const std::string& path, int member, const std::string& key) {
  std::vector<double> out;
  std::ifstream in(path);
  std::string l;
  while (std::getline(in, l)) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    if (j.is_discarded() || j.value("member", -1) != member) continue;
    auto it = j.find(key);
    out.push_back(it != j.end() && it->is_number() ? it->get<double>() : NAN);
  }
  return out;
}

}  // namespace hitforge::train
