#include "train/predictor.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/torch_runtime.h"
#include "models/model_config.h"
#include "train/train_state.h"

namespace hitforge::train {
using core::str_cat;

std::vector<float> predict_raw(models::PropertyModel& model, const FeatureRows& rows, const torch::Device& device,
                               std::size_t batch_size, Precision precision) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(precision == Precision::bf16 && device.is_cpu());
  // Models loaded for inference are in eval mode from load_model() on and are never switched here: servers call this
  // from several worker threads on one shared model, and train()/eval() writes every submodule's flag. Only a model
  // that is training (the trainer's validation pass, one thread) is switched to eval and back.
  const bool was_training = model.is_training();
  if (was_training) model.eval();
  struct RestoreMode {
    models::PropertyModel& model;
    bool on;
    ~RestoreMode() {
      if (on) model.train(true);
    }
  } restore{model, was_training};
  const auto t = model.n_tasks();
  std::vector<float> out(rows.size() * t);
  const auto kind = model.preferred_input();
  std::vector<std::int64_t> idx;
  for (std::size_t start = 0; start < rows.size(); start += batch_size) {
    std::size_t end = std::min(rows.size(), start + batch_size);
    idx.resize(end - start);
    for (std::size_t k = start; k < end; ++k) idx[k - start] = static_cast<std::int64_t>(k);
    auto y = model.forward(rows.batch(idx, kind).to(device)).to(torch::kCPU, torch::kFloat).contiguous();
    std::memcpy(out.data() + start * t, y.data_ptr<float>(), (end - start) * t * sizeof(float));
  }
  return out;
}

void postprocess(std::vector<float>& values, const std::vector<TaskType>& types, const ColumnScaler& scaler) {
  const size_t t = types.size();
  for (size_t i = 0; i < values.size(); ++i) {
    size_t c = i % t;
    if (types[c] == TaskType::classification) values[i] = 1.0f / (1.0f + std::exp(-values[i]));
    else if (!scaler.empty()) values[i] = static_cast<float>(values[i] * scaler.std[c] + scaler.mean[c]);
  }
}

void save_model(models::PropertyModel& model, const std::string& path) {
  core::AtomicFile out(path);
  torch::serialize::OutputArchive archive;
  model.module()->save(archive);
  archive.save_to(out.temp_path());
  out.commit();
}

std::shared_ptr<models::PropertyModel> load_model(const nlohmann::json& spec, const std::string& path,
                                                  const torch::Device& device) {
  auto model = models::make_model(spec);
  load_weights(*model->module(), path);
  model->to(device);
  model->eval();
  return model;
}

Predictor::Predictor(const std::string& run_dir, const std::string& device) {
  manifest_ = RunManifest::load(run_dir);
  device_ = core::parse_device(device);
  for (int k = 0; k < manifest_.ensemble; ++k) {
    auto path = (std::filesystem::path(run_dir) / str_cat("member_", k) / "model.pt").string();
    members_.push_back(load_model(manifest_.model, path, device_));
  }
}

void Predictor::prepare_rows(FeatureRows& rows) const { rows.apply_scalers(manifest_.input_scaler, manifest_.extra_scaler); }

void Predictor::predict(const FeatureRows& rows, std::vector<float>& mean, std::vector<float>& sd,
                        std::size_t batch_size) const {
  const size_t t = manifest_.targets.size();
  mean.assign(rows.size() * t, 0.0f);
  sd.assign(rows.size() * t, 0.0f);
  std::vector<std::vector<float>> all;
  for (const auto& m : members_) {
    auto p = predict_raw(*m, rows, device_, batch_size, precision_);
    postprocess(p, manifest_.task_types, manifest_.target_scaler);
    all.push_back(std::move(p));
  }
  const double k = static_cast<double>(all.size());
  for (size_t i = 0; i < mean.size(); ++i) {
    double s = 0, sq = 0;
    for (const auto& p : all) s += p[i];
    double mu = s / k;
    for (const auto& p : all) sq += (p[i] - mu) * (p[i] - mu);
    mean[i] = static_cast<float>(mu);
    sd[i] = static_cast<float>(all.size() > 1 ? std::sqrt(sq / (k - 1)) : 0.0);
  }
}

}  // namespace hitforge::train
