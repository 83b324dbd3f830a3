#pragma once
// Training of drug–target affinity (pair) models (models/dta.h, registry models::is_pair_model) through the common
// trainer's options and machinery: train/trainer.h's train_run calls train_pair_model for a pair-model name.
//
//   data      a pair dataset (hitforge dataset build --pairs / --registry davis|kiba) loaded once with
//             data::PairData; the named split's train / valid / test are pair indices (setting1, cold-drug,
//             cold-target, cold-both, ...); invalid pairs and pairs without a label are skipped
//   batches   shuffled pairs (seeded, as the property trainer); each distinct drug and protein of a batch is encoded
//             once (train/pair_batch.h)
//   loss      masked MSE on standardised labels (mean/std of the training pairs, stored in run.json)
//   selection the validation MSE after every epoch (the test pairs never influence any choice); the best epoch's
//             weights are kept; --patience stops early
//   metrics   mse, rmse, ci (concordance index), rm2, pearson, spearman, r2, mae on train / valid / test with the
//             best weights, in the labels' own units
//   resume    state.pt after every epoch (train/train_state.h): a killed run continues from its last finished epoch
//             and ends with exactly the metrics of an uninterrupted run (same seed, data and threads)
//
// Not supported for pair models yet (UsageError): --ensemble > 1, distributed training (WORLD_SIZE > 1),
// classification labels. RUN_DIR layout: train/pair_run.h.
#include <nlohmann/json.hpp>

#include "train/trainer.h"

namespace hitforge::train {

/// Trains (or resumes) the pair model options.model on options.data / options.split; returns metrics.json's content,
/// or {"paused": true, "epoch", "epochs"} when options.session_epochs stopped it early (continue with resume).
nlohmann::json train_pair_model(const TrainOptions& options);

}  // namespace hitforge::train
