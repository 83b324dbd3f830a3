// hitforge predict — stream a compound file through a trained run; evaluate — metrics of a run on a dataset split.
#include <cmath>
#include <deque>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "chem/featurizers/featurizer.h"
#include "chem/molecule_reader.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/task_pool.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "datasets/dataset.h"
#include "datasets/featurize_chunk.h"
#include "train/metrics.h"
#include "train/pair_predict.h"
#include "train/pair_run.h"
#include "train/predictor.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

void init(const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
}


struct PredictArgs {
  std::string run_dir, input, out, smiles_col, id_col, format;
  std::string data, split, subset = "test", sequence_col = "sequence", protein_id_col;  // pair-model runs
  std::size_t chunk = 2048, batch = 256;
  bool canonical = false;
  std::string precision = "fp32";
};

// Drug–target pair runs (train/pair_run.h): the pairs of a pair dataset (--data), or (SMILES, sequence) rows.
void run_predict_pairs(const PredictArgs& a, const GlobalOptions& g) {
  train::PairPredictor predictor(a.run_dir, g.device);
  HITFORGE_REQUIRE(a.input.empty() != a.data.empty(), "a pair model predicts either the pairs of a pair dataset "
                   "(--data) or a CSV/TSV of SMILES and protein sequences (--input); give exactly one");
  if (!a.data.empty()) {
    train::PairDatasetPredictOptions o;
    o.data = a.data;
    o.split = a.split;
    o.subset = a.subset;
    o.out = a.out;
    o.batch_size = a.batch;
    auto j = train::predict_pair_dataset(predictor, o);
    std::cout << "wrote " << a.out << ": " << j["n"] << " pairs\n";
    return;
  }
  train::PairTablePredictOptions o;
  o.input = a.input;
  o.smiles_col = a.smiles_col;
  o.sequence_col = a.sequence_col;
  o.id_col = a.id_col;
  o.protein_id_col = a.protein_id_col;
  o.out = a.out;
  o.chunk = a.chunk;
  o.batch_size = a.batch;
  o.threads = core::configured_threads();
  o.progress = g.progress;
  auto s = train::predict_pair_table(predictor, o);
  std::cout << "wrote " << a.out << ": " << s.ok << " predicted, " << s.invalid << " invalid\n";
}

void run_predict(const PredictArgs& a, const GlobalOptions& g) {
  init(g);
  if (train::is_pair_run(a.run_dir)) return run_predict_pairs(a, g);
  HITFORGE_REQUIRE(!a.input.empty(), "--input is required (a compound file to predict)");
  HITFORGE_REQUIRE(a.data.empty(), "--data is for pair-model runs; '", a.run_dir, "' is a property-model run");
  train::Predictor predictor(a.run_dir, g.device);
  predictor.set_precision(train::parse_precision(a.precision));
  const auto& man = predictor.manifest();
  std::vector<chem::FeaturizerPtr> owned;
  std::vector<const chem::Featurizer*> fz;
  for (const auto& spec : man.featurizer_specs) {
    owned.push_back(chem::make_featurizer(spec));
    fz.push_back(owned.back().get());
  }
  chem::ReaderOptions ro;
  ro.smiles_col = a.smiles_col;
  ro.id_col = a.id_col;
  ro.format = a.format;
  auto reader = chem::MoleculeReader::open(a.input, ro);
  data::FeaturizeOptions fo;
  fo.canonical = a.canonical;
  fo.standardize = !man.standardize.empty() && man.standardize != "none";
  if (fo.standardize) fo.standardize_params = chem::parse_standardize_params(man.standardize);

  core::AtomicFile out_file(a.out);
  std::ofstream out(out_file.temp_path());
  HITFORGE_REQUIRE(out.good(), "cannot write '", a.out, "'");
  const size_t T = man.targets.size();
  const bool ensemble = predictor.members() > 1;
  out << "index,id,smiles,status,reason";
  for (const auto& t : man.targets) out << "," << core::csv_field(t) << (ensemble ? "," + core::csv_field(t + "_std") : "");
  out << "\n";

  // CPU: one pipeline per thread (featurise -> model -> CSV text, each single-threaded) on consecutive chunks,
  // written in input order. On 2 cores this ran faster than one pipeline with 2-thread featurisation and 2-thread
  // matrix products (docs/benchmarks.md): message passing is many small operations that do not split well across
  // threads. A GPU gets one pipeline and every thread for featurisation.
  const int threads = core::configured_threads();
  const bool on_cpu = core::parse_device(g.device).is_cpu();
  const int workers = on_cpu ? threads : 1;
  fo.threads = on_cpu ? 1 : threads;
  if (workers > 1) core::set_intra_op_threads(1);  // each worker's torch ops and BLAS calls run on its own thread
  struct ChunkOut {
    std::string csv;
    std::int64_t ok = 0, n = 0;
  };
  auto work = [&](const std::vector<chem::InputRecord>& records, size_t n) {
    data::RecordChunk chunk;
    std::vector<std::vector<core::MolGraph>> graphs;
    data::featurize_chunk(records, n, fz, fo, chunk, &graphs);
    std::vector<size_t> ok_rows;
    for (size_t i = 0; i < n; ++i)
      if (chunk.status[i] == 0) ok_rows.push_back(i);
    auto rows = train::FeatureRows::from_chunk(chunk, graphs, ok_rows, man.input, 0, man.input.extra_block.empty() ? -1 : 1);
    predictor.prepare_rows(rows);
    std::vector<float> mean, sd;
    predictor.predict(rows, mean, sd, a.batch);
    ChunkOut o;
    o.n = static_cast<std::int64_t>(n);
    o.ok = static_cast<std::int64_t>(ok_rows.size());
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      bool ok = chunk.status[i] == 0;
      o.csv += str_cat(chunk.source_index[i], ",", core::csv_field(chunk.ids[i]), ",",
                       core::csv_field(ok ? chunk.smiles[i] : chunk.inputs[i]), ",", ok ? "ok" : "invalid", ",",
                       core::csv_field(chunk.reasons[i]));
      for (size_t c = 0; c < T; ++c) {
        o.csv += ok ? str_cat(",", mean[k * T + c]) : ",";
        if (ensemble) o.csv += ok ? str_cat(",", sd[k * T + c]) : ",";
      }
      o.csv += "\n";
      if (ok) ++k;
    }
    return o;
  };

  auto bar = chem::record_progress(a.input, reader->format(), "predict", g.progress);
  std::int64_t n_ok = 0, n_invalid = 0;
  core::TaskPool pool(workers, [&] {
    if (workers > 1) core::use_one_thread_here();
  });
  std::deque<std::future<ChunkOut>> in_flight;  // oldest first, so chunks are written in input order
  bool more = true;
  while (more || !in_flight.empty()) {
    // two chunks per worker in flight: a worker that finishes early starts the next one while the oldest is awaited
    while (more && static_cast<int>(in_flight.size()) < 2 * workers) {
      std::vector<chem::InputRecord> records(a.chunk);
      const size_t n = reader->next_chunk(records);
      more = n == records.size();
      if (n > 0) in_flight.push_back(pool.submit([&work, r = std::move(records), n] { return work(r, n); }));
    }
    if (in_flight.empty()) break;
    ChunkOut o = in_flight.front().get();
    in_flight.pop_front();
    out << o.csv;
    n_ok += o.ok;
    n_invalid += o.n - o.ok;
    bar->add(static_cast<std::size_t>(o.n));
  }
  bar->finish();
  out.close();
  HITFORGE_REQUIRE(!out.fail(), "writing '", a.out, "' failed");
  out_file.commit();
  std::cout << "wrote " << a.out << ": " << n_ok << " predicted, " << n_invalid << " invalid ("
            << predictor.members() << " model" << (predictor.members() > 1 ? "s" : "") << ")\n";
}

struct EvaluateArgs {
  std::string run_dir, data, split, subset = "test", out;
};

void run_evaluate(const EvaluateArgs& a, const GlobalOptions& g) {
  init(g);
  if (train::is_pair_run(a.run_dir)) {  // drug–target pair model: metrics over the subset's pairs
    train::PairPredictor predictor(a.run_dir, g.device);
    train::PairDatasetPredictOptions o;
    o.data = a.data;
    o.split = a.split;
    o.subset = a.subset;
    auto j = train::predict_pair_dataset(predictor, o);
    std::cout << j.dump(2) << "\n";
    if (!a.out.empty()) core::write_file_atomic(a.out, j.dump(2) + "\n");
    return;
  }
  train::Predictor predictor(a.run_dir, g.device);
  const auto& man = predictor.manifest();
  data::Dataset ds(a.data);
  auto sp = ds.split(a.split);
  const auto& recs = a.subset == "train" ? sp.split.train : a.subset == "valid" ? sp.split.valid : sp.split.test;
  std::vector<size_t> cols;
  for (const auto& t : man.targets) {
    auto it = std::find(ds.target_names().begin(), ds.target_names().end(), t);
    HITFORGE_REQUIRE(it != ds.target_names().end(), "'", a.data, "' has no target '", t, "' that the model predicts");
    cols.push_back(static_cast<size_t>(it - ds.target_names().begin()));
  }
  for (const auto& spec_block : {man.input.block, man.input.extra_block}) {
    if (spec_block.empty()) continue;
    const auto& b = ds.block(spec_block);
    size_t idx = spec_block == man.input.block ? 0 : 1;
    HITFORGE_REQUIRE(b.spec == man.featurizer_specs.at(idx), "block '", spec_block, "' of '", a.data, "' was made with '",
                     b.spec, "' but the model was trained on '", man.featurizer_specs.at(idx), "'");
  }
  auto rows = train::FeatureRows::load(ds, recs, man.input);
  predictor.prepare_rows(rows);
  std::vector<float> mean, sd;
  predictor.predict(rows, mean, sd);
  auto all = ds.targets(recs);
  const size_t nt = ds.target_names().size(), T = cols.size();
  std::vector<float> y(recs.size() * T);
  for (size_t r = 0; r < recs.size(); ++r)
    for (size_t c = 0; c < T; ++c) y[r * T + c] = all[r * nt + cols[c]];
  auto mt = train::compute_multitask_metrics(man.task_types, train::Values(mean), train::Values(y));
  nlohmann::json j = mt.mean;
  for (auto& [k, v] : j.items())
    if (v.is_number_float() && !std::isfinite(v.get<double>())) v = nullptr;
  j["n"] = recs.size();
  j["subset"] = a.subset;
  j["split"] = a.split;
  j["data"] = a.data;
  std::cout << j.dump(2) << "\n";
  if (!a.out.empty()) core::write_file_atomic(a.out, j.dump(2) + "\n");
}

}  // namespace

void register_predict_commands(CLI::App& app, GlobalOptions& g) {
  static PredictArgs p;
  CLI::App* pc = app.add_subcommand("predict", "Predict properties for a compound file with a trained run (or "
                                              "drug–target affinities with a pair-model run)");
  pc->add_option("--model", p.run_dir, "Run directory from hitforge train")->required()->check(CLI::ExistingDirectory);
  pc->add_option("--input", p.input, ".smi/.csv/.tsv/.sdf, optionally .gz (pair models: a CSV/TSV with SMILES and "
                 "sequence columns)");
  pc->add_option("--data", p.data, "Pair models: predict the pairs of this pair dataset instead of --input");
  pc->add_option("--split", p.split, "Pair models with --data: only this split's --subset (default: all valid pairs)");
  pc->add_option("--subset", p.subset, "train | valid | test (with --split)")->check(CLI::IsMember({"train", "valid", "test"}));
  pc->add_option("--sequence-col", p.sequence_col, "Pair models with --input: protein sequence column (default sequence)");
  pc->add_option("--protein-id-col", p.protein_id_col, "Pair models with --input: protein id column to copy");
  pc->add_option("--out", p.out, "Output CSV (written atomically)")->required();
  pc->add_option("--smiles-col", p.smiles_col, "CSV/TSV SMILES column (default: auto-detect)");
  pc->add_option("--id-col", p.id_col, "Column (or SDF property) with ids");
  pc->add_option("--format", p.format, "smi, csv, tsv or sdf if the extension does not say");
  pc->add_option("--batch-size", p.batch, "Molecules per model batch")->check(CLI::PositiveNumber);
  pc->add_option("--chunk", p.chunk,
                 "Records per chunk (property models on the CPU: each of --threads workers takes whole chunks, and "
                 "holds one chunk's features and activations)")
      ->check(CLI::PositiveNumber);
  pc->add_flag("--canonical", p.canonical, "Write canonical SMILES instead of the input SMILES");
  pc->add_option("--precision", p.precision, "fp32, or bf16 matrix products (faster on AVX512_BF16/AMX CPUs; "
                 "predictions differ by ~1% of their spread)")->check(CLI::IsMember({"fp32", "bf16"}));
  pc->footer("Examples:\n  hitforge predict --model runs/esol_dmpnn --input library.smi.gz --out preds.csv --threads 2\n"
             "  hitforge predict --model runs/davis_dta --data davis.h5 --split setting1 --subset test --out test.csv\n"
             "  hitforge predict --model runs/davis_dta --input pairs.csv --sequence-col sequence --out affinities.csv");
  pc->callback([&g] { run_predict(p, g); });

  static EvaluateArgs e;
  CLI::App* ec = app.add_subcommand("evaluate", "Metrics of a trained run on a dataset split");
  ec->add_option("--model", e.run_dir, "Run directory from hitforge train")->required()->check(CLI::ExistingDirectory);
  ec->add_option("--data", e.data, "Dataset .h5")->required()->check(CLI::ExistingFile);
  ec->add_option("--split", e.split, "Named split")->required();
  ec->add_option("--subset", e.subset, "train | valid | test")->check(CLI::IsMember({"train", "valid", "test"}));
  ec->add_option("--out", e.out, "Also write the metrics JSON here");
  ec->footer("Example:\n  hitforge evaluate --model runs/esol_dmpnn --data esol.h5 --split standard --subset test");
  ec->callback([&g] { run_evaluate(e, g); });
}

}  // namespace hitforge::cli
