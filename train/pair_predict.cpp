#include "train/pair_predict.h"

#include <cmath>
#include <fstream>
#include <unordered_map>

#include "chem/featurizers/featurizer.h"
#include "chem/molecule_reader.h"
#include "chem/standardize.h"
#include "chem/tokenizers/protein_tokenizer.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"
#include "datasets/dataset.h"
#include "datasets/featurize_chunk.h"
#include "datasets/pair_data.h"
#include "train/metrics.h"

namespace hitforge::train {
using core::str_cat;

nlohmann::json predict_pair_dataset(const PairPredictor& predictor, const PairDatasetPredictOptions& o) {
  const auto& man = predictor.manifest();
  data::Dataset ds(o.data);
  predictor.check_compatible(ds);
  const auto pd = data::PairData::load(ds, man.ligand_block.name);
  std::vector<std::int64_t> pairs;
  if (o.split.empty()) {
    pairs = pd.valid_pairs();
  } else {
    HITFORGE_REQUIRE(o.subset == "train" || o.subset == "valid" || o.subset == "test",
                     "subset must be train, valid or "
                     "test, got '",
                     o.subset, "'");
    const auto sp = ds.split(o.split);
    const auto& all = o.subset == "train" ? sp.split.train : o.subset == "valid" ? sp.split.valid : sp.split.test;
    std::vector<bool> valid(static_cast<size_t>(pd.n_pairs()), false);
    for (auto p : pd.valid_pairs()) valid[static_cast<size_t>(p)] = true;
    for (auto p : all)
      if (p >= 0 && p < pd.n_pairs() && valid[static_cast<size_t>(p)]) pairs.push_back(p);
  }
  const auto pred = predictor.predict(pd, pairs, o.batch_size);
  const size_t T = man.targets.size();
  // measured labels of the model's targets, when the dataset has them
  const auto& names = pd.label_names();
  std::vector<int> cols;
  for (const auto& t : man.targets) {
    auto it = std::find(names.begin(), names.end(), t);
    cols.push_back(it == names.end() ? -1 : static_cast<int>(it - names.begin()));
  }
  const auto batch = pd.batch(pairs);
  std::vector<float> y(pairs.size() * T, NAN);
  for (size_t r = 0; r < pairs.size(); ++r)
    for (size_t c = 0; c < T; ++c)
      if (cols[c] >= 0) y[r * T + c] = batch.targets[r * names.size() + static_cast<size_t>(cols[c])];

  nlohmann::json j = nlohmann::json::object();
  bool any_label = false;
  for (float v : y) any_label |= std::isfinite(v);
  if (any_label) {
    auto mt = compute_multitask_metrics(std::vector<TaskType>(T, TaskType::regression), Values(pred), Values(y));
    j = mt.mean;
    for (auto& [k, v] : j.items())
      if (v.is_number_float() && !std::isfinite(v.get<double>())) v = nullptr;
  }
  j["n"] = pairs.size();
  j["data"] = o.data;
  j["split"] = o.split;
  j["subset"] = o.split.empty() ? "all" : o.subset;

  if (!o.out.empty()) {
    const auto lig_ids = ds.ids();
    const auto prot_ids = ds.protein_ids();
    const auto pair_lig = ds.pair_ligands();
    const auto pair_prot = ds.pair_proteins();
    std::string csv = "pair,ligand,protein";
    for (const auto& t : man.targets) csv += "," + core::csv_field(t) + "," + core::csv_field("pred_" + t);
    csv += "\n";
    for (size_t r = 0; r < pairs.size(); ++r) {
      const auto p = static_cast<size_t>(pairs[r]);
      csv += str_cat(pairs[r], ",", core::csv_field(lig_ids[static_cast<size_t>(pair_lig[p])]), ",",
                     core::csv_field(prot_ids[static_cast<size_t>(pair_prot[p])]));
      for (size_t c = 0; c < T; ++c)
        csv += str_cat(",", std::isfinite(y[r * T + c]) ? str_cat(y[r * T + c]) : std::string(), ",", pred[r * T + c]);
      csv += "\n";
    }
    core::write_file_atomic(o.out, csv);
  }
  return j;
}

PairTablePredictSummary predict_pair_table(const PairPredictor& predictor, const PairTablePredictOptions& o) {
  const auto& man = predictor.manifest();
  auto fz = chem::make_featurizer(man.ligand_block.spec);
  HITFORGE_REQUIRE(fz->kind() == man.ligand_block.kind, "featuriser '", man.ligand_block.spec,
                   "' no longer produces the block kind the model was trained on");
  chem::ReaderOptions ro;
  ro.smiles_col = o.smiles_col;
  ro.id_col = o.id_col;
  ro.value_cols = {o.sequence_col};
  if (!o.protein_id_col.empty()) ro.value_cols.push_back(o.protein_id_col);
  auto reader = chem::MoleculeReader::open(o.input, ro);
  HITFORGE_REQUIRE(reader->format() == "csv" || reader->format() == "tsv", "'", o.input,
                   "': (SMILES, sequence) input must be a CSV or TSV table with a '", o.sequence_col, "' column");
  data::FeaturizeOptions fo;
  fo.threads = std::max(1, o.threads);
  fo.standardize = !man.standardize.empty() && man.standardize != "none";
  if (fo.standardize) fo.standardize_params = chem::parse_standardize_params(man.standardize);

  core::AtomicFile out_file(o.out);
  std::ofstream out(out_file.temp_path());
  HITFORGE_REQUIRE(out.good(), "cannot write '", o.out, "'");
  const size_t T = man.targets.size();
  out << "index,id,protein_id,smiles,status,reason";
  for (const auto& t : man.targets) out << "," << core::csv_field(t);
  out << "\n";

  auto bar = chem::record_progress(o.input, reader->format(), "predict", o.progress);
  PairTablePredictSummary sum;
  std::vector<chem::InputRecord> rows(o.chunk);
  std::string buf;
  while (true) {
    size_t n = 0;
    while (n < rows.size() && reader->next(rows[n])) ++n;
    if (n == 0) break;
    // distinct SMILES and sequences of the chunk, each featurised / tokenised once
    std::unordered_map<std::string, size_t> lig_of, prot_of;
    std::vector<chem::InputRecord> ligs;
    std::vector<size_t> row_lig(n), row_prot(n);
    std::vector<std::vector<std::int32_t>> prot_tokens;
    std::vector<std::string> prot_error;
    for (size_t i = 0; i < n; ++i) {
      auto l = lig_of.emplace(rows[i].text, ligs.size());
      if (l.second) {
        chem::InputRecord r = rows[i];
        r.values.clear();
        r.index = static_cast<std::int64_t>(ligs.size());
        ligs.push_back(std::move(r));
      }
      row_lig[i] = l.first->second;
      const std::string& seq = rows[i].values.at(0);
      auto p = prot_of.emplace(seq, prot_tokens.size());
      if (p.second) {
        std::string err = seq.empty() ? "empty protein sequence" : chem::ProteinTokenizer::check(seq);
        prot_tokens.push_back(err.empty() ? predictor.tokenize_protein(seq) : std::vector<std::int32_t>{});
        prot_error.push_back(err.empty() ? err : "protein sequence: " + err);
      }
      row_prot[i] = p.first->second;
    }
    data::RecordChunk chunk;
    std::vector<std::vector<core::MolGraph>> graphs;
    data::featurize_chunk(ligs, ligs.size(), {fz.get()}, fo, chunk, &graphs);
    // ok ligands → dense ligand indices for PairData
    std::vector<std::int64_t> lig_slot(ligs.size(), -1);
    std::vector<core::MolGraph> kept_graphs;
    std::vector<std::uint8_t> kept_rows;
    std::int64_t n_kept = 0;
    const bool graph = man.ligand_block.kind == chem::FeatureKind::graph;
    const auto rb = static_cast<size_t>(man.ligand_block.row_bytes);
    for (size_t l = 0; l < ligs.size(); ++l) {
      if (chunk.status[l] != 0) continue;
      lig_slot[l] = n_kept++;
      if (graph) {
        kept_graphs.push_back(std::move(graphs.at(0)[l]));
      } else {
        const auto& fixed = chunk.blocks.at(0).fixed;
        kept_rows.insert(kept_rows.end(), fixed.begin() + static_cast<std::ptrdiff_t>(l * rb),
                         fixed.begin() + static_cast<std::ptrdiff_t>((l + 1) * rb));
      }
    }
    std::vector<std::int64_t> pl, pp;
    std::vector<size_t> ok_rows;
    for (size_t i = 0; i < n; ++i) {
      if (!rows[i].error.empty() || lig_slot[row_lig[i]] < 0 || !prot_error[row_prot[i]].empty()) continue;
      ok_rows.push_back(i);
      pl.push_back(lig_slot[row_lig[i]]);
      pp.push_back(static_cast<std::int64_t>(row_prot[i]));
    }
    auto pd = data::PairData::from_parts(man.ligand_block, man.ligand_bond_width, std::move(kept_graphs),
                                         std::move(kept_rows), prot_tokens, man.protein_vocab_size,
                                         man.protein_max_length, pl, pp);
    std::vector<std::int64_t> all(pl.size());
    for (size_t k = 0; k < all.size(); ++k) all[k] = static_cast<std::int64_t>(k);
    const auto pred = predictor.predict(pd, all, o.batch_size);
    buf.clear();
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t l = row_lig[i];
      std::string reason = !rows[i].error.empty() ? rows[i].error
                           : chunk.status[l] != 0 ? chunk.reasons[l]
                                                  : prot_error[row_prot[i]];
      const bool ok = reason.empty();
      buf += str_cat(rows[i].index, ",", core::csv_field(rows[i].id), ",",
                     core::csv_field(rows[i].values.size() > 1 ? rows[i].values[1] : std::string()), ",",
                     core::csv_field(ok ? chunk.smiles[l] : rows[i].text), ",", ok ? "ok" : "invalid", ",",
                     core::csv_field(reason));
      for (size_t c = 0; c < T; ++c) buf += ok ? str_cat(",", pred[k * T + c]) : ",";
      buf += "\n";
      if (ok)
        ++k, ++sum.ok;
      else
        ++sum.invalid;
    }
    out << buf;
    bar->add(n);
    if (n < rows.size()) break;
  }
  bar->finish();
  out.close();
  HITFORGE_REQUIRE(!out.fail(), "writing '", o.out, "' failed");
  out_file.commit();
  return sum;
}

}  // namespace hitforge::train
