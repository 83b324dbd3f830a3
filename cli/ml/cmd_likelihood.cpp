// hitforge likelihood — log-likelihood of given molecules under a trained language-model prior (how "prior-like" a
// compound is; the quantity REINVENT's augmented likelihood starts from).
#include <algorithm>
#include <fstream>
#include <iostream>

#include "chem/molecule_reader.h"
#include "chem/tokenizers/smiles_tokenizer.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "datasets/featurize_chunk.h"
#include "models/sampling.h"
#include "train/lm_checkpoint.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

struct LikelihoodArgs {
  std::string model, input, out, smiles_col, id_col, format;
  std::size_t chunk = 2048, batch = 256;
  bool input_spelling = false;
};

void run_likelihood(const LikelihoodArgs& a, const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
  auto prior = train::load_language_model(a.model, core::parse_device(g.device));
  train::require_smiles_prior(prior, a.model);
  auto& model = *prior.model;
  const auto& vocab = prior.vocabulary;
  const std::int64_t max_length = model.max_sequence_length();

  chem::ReaderOptions ro;
  ro.smiles_col = a.smiles_col;
  ro.id_col = a.id_col;
  ro.format = a.format;
  auto reader = chem::MoleculeReader::open(a.input, ro);
  // the spelling the prior was trained on: the dataset's standardisation, then canonical SMILES
  data::FeaturizeOptions fo;
  fo.canonical = !a.input_spelling;
  fo.threads = core::configured_threads();
  const auto& std_spec = prior.manifest.standardize;
  fo.standardize = !std_spec.empty() && std_spec != "none";
  if (fo.standardize) fo.standardize_params = chem::parse_standardize_params(std_spec);

  core::AtomicFile out_file(a.out);
  std::ofstream out(out_file.temp_path());
  HITFORGE_REQUIRE(out.good(), "cannot write '", a.out, "'");
  out << "index,id,smiles,status,reason,log_likelihood,nll_per_token,tokens\n";
  auto bar = chem::record_progress(a.input, reader->format(), "likelihood", g.progress);
  std::vector<chem::InputRecord> records(a.chunk);
  std::vector<chem::TokenSpan> spans;
  std::int64_t n_ok = 0, n_invalid = 0;
  double ll_sum = 0;
  std::string buf;
  while (true) {
    const std::size_t n = reader->next_chunk(records);
    if (n == 0) break;
    data::RecordChunk chunk;
    data::featurize_chunk(records, n, {}, fo, chunk);
    // token ids of the records the prior can read; a reason for the others
    std::vector<std::string> reason(n);
    std::vector<std::vector<std::int64_t>> bodies;
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n; ++i) {
      if (chunk.status[i] != 0) {
        reason[i] = chunk.reasons[i];
        continue;
      }
      const std::string& s = chunk.smiles[i];
      auto st = chem::tokenize_spans(s, spans);
      if (!st.ok) {
        reason[i] = st.describe(s);
        continue;
      }
      std::vector<std::int64_t> ids;
      for (const auto& sp : spans) {
        const std::string_view tok(s.data() + sp.offset, sp.length);
        const std::int64_t id = vocab.id(tok);
        if (id == chem::Vocabulary::kUnk) {
          reason[i] = str_cat("token '", tok, "' is not in the prior's vocabulary");
          break;
        }
        ids.push_back(id);
      }
      if (reason[i].empty() && max_length > 0 && static_cast<std::int64_t>(ids.size()) + 2 > max_length)
        reason[i] = str_cat(ids.size(), " tokens: longer than the model's max_positions (", max_length, ")");
      if (!reason[i].empty()) continue;
      bodies.push_back(std::move(ids));
      rows.push_back(i);
    }
    std::vector<double> ll(n, 0.0);
    for (std::size_t b0 = 0; b0 < bodies.size(); b0 += a.batch) {
      const std::size_t b1 = std::min(bodies.size(), b0 + a.batch);
      std::vector<std::vector<std::int64_t>> part(bodies.begin() + static_cast<std::ptrdiff_t>(b0),
                                                  bodies.begin() + static_cast<std::ptrdiff_t>(b1));
      torch::NoGradGuard no_grad;
      auto tb = models::make_token_batch(part, model.specials());
      auto v = model.log_likelihood(tb.tokens).to(torch::kCPU, torch::kFloat64).contiguous();
      for (std::size_t k = b0; k < b1; ++k) ll[rows[k]] = v[static_cast<std::int64_t>(k - b0)].item<double>();
    }
    buf.clear();
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const bool ok = reason[i].empty();
      buf += str_cat(chunk.source_index[i], ",", core::csv_field(chunk.ids[i]), ",",
                     core::csv_field(chunk.status[i] == 0 ? chunk.smiles[i] : chunk.inputs[i]), ",",
                     ok ? "ok" : "invalid", ",", core::csv_field(reason[i]));
      if (ok) {
        const auto tokens = static_cast<double>(bodies[k].size() + 1);  // <eos> is predicted too
        buf += str_cat(",", ll[i], ",", -ll[i] / tokens, ",", bodies[k].size(), "\n");
        ll_sum += ll[i];
        ++k;
        ++n_ok;
      } else {
        buf += ",,,\n";
        ++n_invalid;
      }
    }
    out << buf;
    bar->add(n);
    if (n < records.size()) break;
  }
  bar->finish();
  out.close();
  HITFORGE_REQUIRE(!out.fail(), "writing '", a.out, "' failed");
  out_file.commit();
  std::cout << "wrote " << a.out << ": " << n_ok << " scored (mean log-likelihood "
            << (n_ok ? ll_sum / static_cast<double>(n_ok) : 0.0) << " nats), " << n_invalid << " invalid\n";
}

}  // namespace

void register_likelihood_command(CLI::App& app, GlobalOptions& g) {
  static LikelihoodArgs a;
  CLI::App* cmd = app.add_subcommand("likelihood", "Log-likelihood of given molecules under a language-model prior");
  cmd->add_option("--model", a.model, "Prior: run directory of hitforge train --model smiles_lstm|smiles_transformer, "
                  "or its model.pt")->required();
  cmd->add_option("--input", a.input, "Molecules: .smi/.csv/.tsv/.sdf, optionally .gz")->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a.out, "CSV: index,id,smiles,status,reason,log_likelihood,nll_per_token,tokens")
      ->required();
  cmd->add_option("--smiles-col", a.smiles_col, "CSV/TSV column with SMILES (default: auto-detect)");
  cmd->add_option("--id-col", a.id_col, "CSV/TSV column or SDF property with the id");
  cmd->add_option("--format", a.format, "smi, csv, tsv or sdf (default: from the extension)");
  cmd->add_option("--batch-size", a.batch, "Sequences per model call")->check(CLI::PositiveNumber);
  cmd->add_option("--chunk", a.chunk, "Records parsed per parallel batch")->check(CLI::PositiveNumber);
  cmd->add_flag("--input-spelling", a.input_spelling,
                "Score the SMILES as written instead of canonicalising them like the prior's training data");
  cmd->footer(
      "Each molecule is standardised as the prior's dataset was and written as canonical SMILES (the spelling the "
      "prior learned) unless --input-spelling; log_likelihood is log p(<bos> tokens <eos>) in nats, <eos> included. "
      "Records that do not parse, or whose SMILES has a token outside the prior's vocabulary, are 'invalid' with the "
      "reason.\nExample:\n  hitforge likelihood --model priors/chembl --input library.smi --out ll.csv");
  cmd->callback([&g] { run_likelihood(a, g); });
}

}  // namespace hitforge::cli
