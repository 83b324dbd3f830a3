#pragma once
// Training of property models (single- and multi-task regression and binary classification) with ensembles,
// early stopping on the validation metric (the test set never influences any choice), Noam LR schedule, gradient
// clipping, target standardisation, masked missing labels, class weights, self-describing checkpoints and exact
// resume after a crash (state.pt after every epoch: weights, optimizer, RNG, counters).
//
// Reproducible: the same seed, data and thread count give the same weights and metrics.
//
// A language model named in `model` (models::is_language_model, e.g. smiles_lstm) is trained as a generative prior
// instead, by train/lm_trainer.h, with the same options, checkpoints, resume, log and LR schedule. A drug–target
// pair model (models::is_pair_model, e.g. dta) on a pair dataset is trained by train/pair_trainer.h.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitforge::train {

struct TrainOptions {
  std::string data;                  ///< dataset .h5
  std::string split;                 ///< named split in the dataset ("" = language models hold out valid_fraction)
  std::string model = "dmpnn";       ///< fp_mlp | dmpnn | smiles_lstm | dta (pair datasets)
  nlohmann::json model_config;       ///< model options (null = defaults)
  std::string input_block;           ///< feature block fed to the model ("" = graph for dmpnn, morgan for fp_mlp,
                                     ///< the smiles_tokens block for language models)
  std::string extra_block;           ///< optional dense block of molecule features (dmpnn), e.g. rdkit2d
  std::string feature_scaling = "standard";  ///< dense input/extra features: standard (z-scores on the training
                                             ///< rows) | quantile (empirical CDF of the training rows)
  std::vector<std::string> targets;  ///< target names ("" = all targets of the dataset)
  std::string task;                  ///< "" = the dataset's task types; regression|classification overrides all
  int epochs = 30;
  int batch_size = 50;
  int patience = 10;                 ///< epochs without validation improvement before stopping (0 = never)
  double max_lr = 1e-3, init_lr = 1e-4, final_lr = 1e-4, warmup_epochs = 2.0;
  std::string lr_decay = "exponential";  ///< shape from max_lr to final_lr: exponential | linear | cosine
  std::string optimizer = "adam";    ///< adam | adamw
  double weight_decay = 0.0;
  double grad_clip = 0.0;            ///< max gradient norm (0 = off)
  bool class_weights = false;        ///< weight positives by n_neg/n_pos per classification task
  int ensemble = 1;
  std::uint64_t seed = 0;
  std::string out_dir;
  bool resume = false;
  std::string device = "cpu";
  bool progress = true;
  bool plots = true;
  // language models only
  double valid_fraction = 0.05;      ///< random validation hold-out when no split is named
  bool randomize_smiles = false;     ///< each epoch, every training molecule as a fresh randomised SMILES
  std::string precision = "fp32";    ///< training steps' matrix products: fp32 | bf16 (autocast on CPU, fp32 master
                                     ///< weights and optimizer; train/precision.h); validation stays fp32
  std::string init_from;             ///< warm start: weights of this language-model run (or model.pt), same
                                     ///< model options but dropout, the data's token ids mapped onto its
                                     ///< vocabulary; fresh optimizer and LR schedule (fine-tuning)
  int session_epochs = 0;            ///< stop (resumably) after this many epochs in this call; 0 = run to the end
                                     ///< (language models and pair models)
  nlohmann::json to_json() const;
};

/// Refuses (UsageError naming the option and both values) to resume the run in `out_dir` when an option that shapes
/// its training trajectory differs from `recorded` (its run.json train_options): epochs, patience, batch size, the
/// learning-rate schedule, optimizer, weight decay, clipping, class weights, seed, ensemble size, task, targets,
/// SMILES randomisation, precision — so a resumed run ends as the uninterrupted one would. Threads, device and
/// `session_epochs` may change; options a recorded run predates are not compared.
void require_same_trajectory(const nlohmann::json& recorded, const TrainOptions& now, const std::string& out_dir);

/// Trains (or resumes) a run; returns the content of RUN_DIR/metrics.json.
nlohmann::json train_run(const TrainOptions& options);

}  // namespace hitforge::train
