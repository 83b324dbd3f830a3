#pragma once
// Training of token language models (generative priors and protein_lm; models/language_model.h) through the common trainer's
// options and machinery (train/trainer.h calls train_language_model for a language-model name): teacher forcing on
// <bos> SMILES <eos> from a dataset's smiles_tokens block, length-bucketed batches whose padding the model never
// computes (train/token_sequences.h), the Noam LR schedule, gradient clipping, validation NLL per epoch for early
// stopping and the best-epoch choice (test NLL is reported, never used for a choice), log.jsonl, a learning-curve
// SVG, self-describing checkpoints with the vocabulary (train/lm_checkpoint.h) and exact resume (state.pt after
// every epoch). Reproducible for a seed, data and thread count.
//
// Loss: mean NLL per predicted token of the batch (nats), <eos> included. Validation: NLL per molecule (the early
// stopping metric) and per token.
//
// SMILES randomisation (TrainOptions::randomize_smiles, `--randomize-smiles`): each epoch, every training molecule is
// respelled from a random atom order (chem/tokenizers/smiles_randomizer.h, seeded by seed and epoch); a molecule
// whose new spelling has a token outside the vocabulary or exceeds the model's max length keeps its stored spelling
// (counted as randomized_fallbacks in log.jsonl). Validation and test NLL use the stored (canonical) spellings.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "models/language_model.h"
#include "train/token_sequences.h"
#include "train/trainer.h"

namespace hitforge::train {

/// Trains (or resumes) a language model described by `options` (model, data, split, out_dir, epochs, batch_size,
/// LR schedule, patience, grad_clip, seed, device, ...). Returns metrics.json's content, or {"paused": true, ...}
/// when options.session_epochs stopped the run early (resume with options.resume).
nlohmann::json train_language_model(const TrainOptions& options);

/// NLL of a set of sequences under `model` (eval mode, no gradients), in length-sorted batches.
struct CorpusNLL {
  double total = 0;            ///< Σ −log p(sequence), nats
  std::int64_t sequences = 0;
  std::int64_t tokens = 0;     ///< predicted tokens (<eos> included)
  double per_sequence() const { return sequences ? total / static_cast<double>(sequences) : NAN; }
  double per_token() const { return tokens ? total / static_cast<double>(tokens) : NAN; }
};
/// part/parts: only the batches k with k % parts == part (length-sorted batches dealt round-robin, so that ranks of
/// a data-parallel run each take a share and add up their sums).
CorpusNLL corpus_nll(models::LanguageModel& model, const TokenSequences& sequences, std::size_t batch_size = 256,
                     std::size_t part = 0, std::size_t parts = 1);

/// The unigram baseline every language model must beat (metrics.json "unigram_baseline"): frequencies of the
/// predicted tokens (<eos> included) of `train`, add-one smoothed over `vocab_size` ids ...
std::vector<double> unigram_frequencies(const TokenSequences& train, std::size_t vocab_size);
/// ... and the NLL of `sequences` when every token is drawn independently from them.
CorpusNLL unigram_nll(const std::vector<double>& frequencies, const TokenSequences& sequences);

}  // namespace hitforge::train
