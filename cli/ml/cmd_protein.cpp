// hitforge protein sample | score | embed — use a protein language model (--model protein_lm; docs/protein.md).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <limits>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "chem/line_reader.h"
#include "chem/molecule_reader.h"
#include "chem/protein_mutations.h"
#include "chem/tokenizers/protein_tokenizer.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text.h"
#include "core/torch_runtime.h"
#include "datasets/pair_builder.h"
#include "models/sampling.h"
#include "train/lm_checkpoint.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

struct ProteinArgs {
  std::string model, out, input, wild_type, mutations, mutation_col = "mutant";
  std::int64_t n = 100, batch = 64, offset = 1;
  models::SampleOptions sample;
};

train::LoadedLanguageModel load_protein_lm(const ProteinArgs& a, const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
  HITFORGE_REQUIRE(a.batch >= 1, "--batch-size must be >= 1");
  auto lm = train::load_language_model(a.model, core::parse_device(g.device));
  train::require_protein_lm(lm, a.model);
  return lm;
}

// Residues the model reads in one sequence (its positions minus <bos> and <eos>).
std::int64_t max_residues(models::LanguageModel& model) {
  const std::int64_t limit = model.max_sequence_length();
  return limit > 0 ? limit - 2 : std::numeric_limits<std::int64_t>::max();
}

// Why a protein record cannot be read ("" when it can): a reader error, an empty sequence or a non-residue
// character.
std::string protein_problem(const data::IdString& p) {
  if (!p.error.empty()) return p.error;
  return p.value.empty() ? std::string("empty sequence") : chem::ProteinTokenizer::check(p.value);
}

std::string upper_case(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------------------------------------------- sample

void run_sample(ProteinArgs a, const GlobalOptions& g) {
  HITFORGE_REQUIRE(a.n >= 1, "--n must be >= 1");
  auto lm = load_protein_lm(a, g);
  auto& model = *lm.model;
  HITFORGE_REQUIRE(a.sample.max_length <= max_residues(model), "--max-length ", a.sample.max_length,
                   " exceeds what the model reads (", max_residues(model), " residues)");
  a.sample.n = a.batch;
  models::validate(a.sample);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(g.seed);
  const chem::ProteinTokenizer tok;
  core::AtomicFile out_file(a.out);
  std::ofstream out(out_file.temp_path());
  HITFORGE_REQUIRE(out.good(), "cannot write '", a.out, "'");
  core::ProgressOptions po;
  po.label = "protein sample";
  po.unit = "seq";
  po.enabled = g.progress;
  core::ProgressBar bar(static_cast<std::uint64_t>(a.n), po);
  const auto t0 = std::chrono::steady_clock::now();
  std::int64_t written = 0, truncated = 0, residues = 0;
  while (written < a.n) {
    models::SampleOptions so = a.sample;
    so.n = std::min(a.batch, a.n - written);
    auto r = model.sample(so, gen);
    const double* ll = r.log_likelihood.data_ptr<double>();
    for (std::int64_t i = 0; i < so.n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const std::string seq = tok.decode(r.sequences[k]);
      if (!r.complete[k]) ++truncated;
      residues += static_cast<std::int64_t>(seq.size());
      ++written;
      out << ">sample_" << written << " length=" << seq.size() << " log_likelihood=" << ll[i]
          << " complete=" << (r.complete[k] ? 1 : 0) << "\n"
          << seq << "\n";
    }
    bar.add(static_cast<std::uint64_t>(so.n));
  }
  bar.finish();
  out.close();
  HITFORGE_REQUIRE(!out.fail(), "writing '", a.out, "' failed");
  out_file.commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "wrote " << written << " sequences to " << a.out << " (mean length "
            << static_cast<double>(residues) / static_cast<double>(written) << ", " << truncated
            << " reached --max-length " << a.sample.max_length << " without an end; "
            << core::format_rate(static_cast<double>(residues) / secs) << " residues/s)\n";
}

// ---------------------------------------------------------------------------------------------------- score

// log p(<bos> body <eos>) of bodies[r] for each r in `rows`, into ll[r]; length-sorted batches, a progress bar.
void log_likelihoods(models::LanguageModel& model, const std::vector<std::vector<std::int64_t>>& bodies,
                     const std::vector<std::size_t>& rows, std::int64_t batch, std::vector<double>& ll, bool progress) {
  core::ProgressOptions po;
  po.label = "protein score";
  po.unit = "seq";
  po.enabled = progress;
  core::ProgressBar bar(rows.size(), po);
  torch::NoGradGuard no_grad;
  model.eval();
  std::vector<std::size_t> order(rows);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return bodies[x].size() < bodies[y].size(); });
  const auto b = static_cast<std::size_t>(batch);
  for (std::size_t s = 0; s < order.size(); s += b) {
    std::vector<std::vector<std::int64_t>> chunk;
    const std::size_t e = std::min(order.size(), s + b);
    for (std::size_t k = s; k < e; ++k) chunk.push_back(bodies[order[k]]);
    auto tb = models::make_token_batch(chunk, model.specials());
    auto v = model.log_likelihood(tb.tokens).to(torch::kCPU, torch::kFloat64).contiguous();
    for (std::size_t k = s; k < e; ++k) ll[order[k]] = v.data_ptr<double>()[k - s];
    bar.add(e - s);
  }
  bar.finish();
}

// The wild type: a FASTA/JSON file's first sequence, or the sequence itself.
std::string read_wild_type(const std::string& arg) {
  if (std::filesystem::is_regular_file(arg)) {
    auto p = data::read_protein_file(arg);
    HITFORGE_REQUIRE(!p.empty(), "'", arg, "' holds no sequence");
    return p.front().value;
  }
  return arg;
}

void score_sequences(const ProteinArgs& a, models::LanguageModel& model, const GlobalOptions& g) {
  const auto proteins = data::read_protein_file(a.input);
  HITFORGE_REQUIRE(!proteins.empty(), "'", a.input, "' holds no sequences");
  const chem::ProteinTokenizer tok;
  const std::int64_t limit = max_residues(model);
  std::vector<std::string> reason(proteins.size());
  std::vector<std::vector<std::int64_t>> bodies(proteins.size());
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < proteins.size(); ++i) {
    const auto& s = proteins[i].value;
    reason[i] = protein_problem(proteins[i]);
    if (reason[i].empty() && static_cast<std::int64_t>(s.size()) > limit)
      reason[i] = str_cat("too long: ", s.size(), " residues, the model reads at most ", limit);
    if (!reason[i].empty()) continue;
    bodies[i] = tok.encode(s, /*add_bos_eos=*/false);
    rows.push_back(i);
  }
  std::vector<double> ll(proteins.size(), NAN);
  log_likelihoods(model, bodies, rows, a.batch, ll, g.progress);

  std::ostringstream out;
  out << "index,id,length,status,reason,log_likelihood,nll_per_token,perplexity\n";
  std::int64_t n_ok = 0;
  for (std::size_t i = 0; i < proteins.size(); ++i) {
    const bool ok = reason[i].empty();
    n_ok += ok ? 1 : 0;
    // predicted tokens: every residue and <eos>
    const double per_token = ok ? -ll[i] / static_cast<double>(proteins[i].value.size() + 1) : NAN;
    out << i << "," << core::csv_field(proteins[i].id) << "," << proteins[i].value.size() << ","
        << (ok ? "ok" : "invalid") << "," << core::csv_field(reason[i]) << ",";
    if (ok) out << ll[i] << "," << per_token << "," << std::exp(per_token);
    else out << ",,";
    out << "\n";
  }
  core::write_file_atomic(a.out, out.str());
  std::cout << "scored " << n_ok << " of " << proteins.size() << " sequences into " << a.out << "\n";
}

// Zero-shot mutation effects: log p(mutant) − log p(wild type), whole-sequence likelihoods under the causal model.
void score_mutations(const ProteinArgs& a, models::LanguageModel& model, const GlobalOptions& g) {
  const std::string wt = read_wild_type(a.wild_type);
  const std::string wt_problem = chem::ProteinTokenizer::check(wt);
  HITFORGE_REQUIRE(!wt.empty() && wt_problem.empty(), "wild type: ", wt.empty() ? "empty sequence" : wt_problem);
  HITFORGE_REQUIRE(static_cast<std::int64_t>(wt.size()) <= max_residues(model), "the wild type has ", wt.size(),
                   " residues; the model reads at most ", max_residues(model));
  chem::LineReader reader(a.mutations);
  std::string_view line;
  std::vector<std::string> fields;
  HITFORGE_REQUIRE(reader.next(line), "'", a.mutations, "' is empty");
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte-order mark
  const char delim = chem::ends_with_ci(a.mutations, ".tsv") || chem::ends_with_ci(a.mutations, ".tsv.gz") ? '\t' : ',';
  HITFORGE_REQUIRE(chem::split_delimited(line, delim, fields), "'", a.mutations, "': unterminated quote in the header");
  const auto col_it = std::find(fields.begin(), fields.end(), a.mutation_col);
  HITFORGE_REQUIRE(col_it != fields.end(), "'", a.mutations, "' has no column '", a.mutation_col,
                   "' (columns: ", core::join(fields), "); name it with --mutation-col");
  const auto col = static_cast<std::size_t>(col_it - fields.begin());

  const chem::ProteinTokenizer tok;
  std::vector<std::string> names, reason;
  std::vector<std::vector<std::int64_t>> bodies{tok.encode(wt, false)};  // row 0: the wild type
  std::vector<std::size_t> rows{0};
  std::vector<std::size_t> body_of;  // mutation i → index into bodies (0 when invalid)
  std::unordered_map<std::string, std::size_t> body_of_sequence{{upper_case(wt), 0}};
  while (reader.next(line)) {
    if (line.empty()) continue;
    std::string why;
    std::string name;
    std::size_t body = 0;
    if (!chem::split_delimited(line, delim, fields) || fields.size() <= col) {
      why = str_cat("line ", reader.line_number(), ": malformed or has no '", a.mutation_col, "' field");
    } else {
      name = fields[col];
      try {
        const std::string seq = chem::apply_mutations(wt, chem::parse_mutations(name), a.offset);
        why = chem::ProteinTokenizer::check(seq);
        if (why.empty()) {
          // each distinct sequence is scored once (a synonymous mutant is the wild type: ratio exactly 0)
          auto [it, added] = body_of_sequence.emplace(upper_case(seq), bodies.size());
          if (added) {
            bodies.push_back(tok.encode(seq, false));
            rows.push_back(bodies.size() - 1);
          }
          body = it->second;
        }
      } catch (const core::UsageError& e) {
        why = e.what();
      }
    }
    names.push_back(name);
    reason.push_back(why);
    body_of.push_back(body);
  }
  HITFORGE_REQUIRE(!names.empty(), "'", a.mutations, "' lists no mutations");
  std::vector<double> ll(bodies.size(), NAN);
  log_likelihoods(model, bodies, rows, a.batch, ll, g.progress);

  std::ostringstream out;
  out << "index," << core::csv_field(a.mutation_col) << ",status,reason,log_likelihood,log_likelihood_ratio\n";
  std::int64_t n_ok = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const bool ok = reason[i].empty();
    n_ok += ok ? 1 : 0;
    out << i << "," << core::csv_field(names[i]) << "," << (ok ? "ok" : "invalid") << ","
        << core::csv_field(reason[i]) << ",";
    if (ok) out << ll[body_of[i]] << "," << ll[body_of[i]] - ll[0];
    else out << ",";
    out << "\n";
  }
  core::write_file_atomic(a.out, out.str());
  std::cout << "scored " << n_ok << " of " << names.size() << " mutants against the wild type (log p = " << ll[0]
            << ") into " << a.out << "\n";
}

void run_score(const ProteinArgs& a, const GlobalOptions& g) {
  HITFORGE_REQUIRE(a.input.empty() != a.mutations.empty(),
                   "give either --input (sequences to score) or --wild-type with --mutations (zero-shot effects)");
  HITFORGE_REQUIRE(a.mutations.empty() || !a.wild_type.empty(), "--mutations needs --wild-type");
  auto lm = load_protein_lm(a, g);
  if (!a.input.empty()) score_sequences(a, *lm.model, g);
  else score_mutations(a, *lm.model, g);
}

// ---------------------------------------------------------------------------------------------------- embed

void run_embed(const ProteinArgs& a, const GlobalOptions& g) {
  auto lm = load_protein_lm(a, g);
  auto* net = dynamic_cast<models::ModuleLanguageModel<models::SmilesTransformer>*>(lm.model.get());
  HITFORGE_CHECK(net != nullptr, "protein_lm is not a Transformer module");
  auto& model = *lm.model;
  const auto proteins = data::read_protein_file(a.input);
  HITFORGE_REQUIRE(!proteins.empty(), "'", a.input, "' holds no sequences");
  const chem::ProteinTokenizer tok;
  const std::int64_t limit = max_residues(model);
  const std::int64_t d = net->net()->options.d_model();
  const std::size_t n = proteins.size();
  std::vector<float> emb(n * static_cast<std::size_t>(d), NAN);
  std::vector<std::uint8_t> status(n, 1);
  std::vector<std::string> reason(n);
  std::vector<std::int64_t> length(n), used(n, 0);
  std::vector<std::size_t> rows;
  std::vector<std::vector<std::int64_t>> bodies(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = proteins[i].value;
    length[i] = static_cast<std::int64_t>(s.size());
    reason[i] = protein_problem(proteins[i]);
    if (!reason[i].empty()) continue;
    // <bos> and, by the crop rule of training, at most the first max_positions − 1 residues
    auto ids = tok.encode(s, false);
    if (static_cast<std::int64_t>(ids.size()) > limit + 1) ids.resize(static_cast<std::size_t>(limit + 1));
    used[i] = static_cast<std::int64_t>(ids.size());
    ids.insert(ids.begin(), model.specials().bos);
    bodies[i] = std::move(ids);
    status[i] = 0;
    rows.push_back(i);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t x, std::size_t y) { return used[x] < used[y]; });
  core::ProgressOptions po;
  po.label = "protein embed";
  po.unit = "seq";
  po.enabled = g.progress;
  core::ProgressBar bar(rows.size(), po);
  {
    torch::NoGradGuard no_grad;
    model.eval();
    for (std::size_t s = 0; s < rows.size(); s += static_cast<std::size_t>(a.batch)) {
      const std::size_t e = std::min(rows.size(), s + static_cast<std::size_t>(a.batch));
      std::vector<std::vector<std::int64_t>> batch;
      for (std::size_t k = s; k < e; ++k) batch.push_back(bodies[rows[k]]);
      auto tb = models::pad_sequences(batch, model.specials().pad);
      // residue positions: 1 .. length − 1 (position 0 is <bos>, the rest padding)
      auto pos = torch::arange(tb.tokens.size(1), torch::kLong).unsqueeze(0);
      auto mask = ((pos >= 1) & (pos < tb.lengths.unsqueeze(1))).to(torch::kFloat32);
      auto h = net->net()->hidden(tb.tokens.to(model.device())).to(torch::kCPU, torch::kFloat32);
      auto pooled = (h * mask.unsqueeze(2)).sum(1) / mask.sum(1, true);
      pooled = pooled.contiguous();
      for (std::size_t k = s; k < e; ++k)
        std::copy_n(pooled[static_cast<std::int64_t>(k - s)].data_ptr<float>(), d,
                    emb.begin() + static_cast<std::ptrdiff_t>(rows[k] * static_cast<std::size_t>(d)));
      bar.add(e - s);
    }
  }
  bar.finish();

  core::AtomicFile out_file(a.out);
  {
    core::h5::silence_errors();
    H5::H5File f = core::h5::create_file(out_file.temp_path());
    H5::Group root = f.openGroup("/");
    std::vector<std::string> ids;
    for (const auto& p : proteins) ids.push_back(p.id);
    core::h5::write_strings(root, "id", ids);
    core::h5::write_array(root, "embedding", emb, static_cast<hsize_t>(d));
    core::h5::write_array(root, "status", status);
    core::h5::write_strings(root, "reason", reason);
    core::h5::write_array(root, "length", length);
    core::h5::write_array(root, "residues_used", used);
    core::h5::write_attr(root, "format", std::string("hitforge-protein-embeddings"));
    core::h5::write_attr(root, "model", a.model);
    core::h5::write_attr(root, "pooling",
                         std::string("mean over residue positions of the final layer-normed hidden states; proteins "
                                     "longer than the model reads are cropped to their first residues"));
    f.close();
  }
  out_file.commit();
  std::cout << "embedded " << rows.size() << " of " << n << " sequences (" << d << " dimensions) into " << a.out
            << "\n";
}

}  // namespace

void register_protein_commands(CLI::App& app, GlobalOptions& g) {
  static ProteinArgs s, c, e;
  CLI::App* cmd = app.add_subcommand("protein", "Sample, score or embed protein sequences with a protein language "
                                                "model (hitforge train --model protein_lm; docs/protein.md)");
  cmd->require_subcommand(1);

  CLI::App* sample = cmd->add_subcommand("sample", "Draw sequences from a protein language model (FASTA out)");
  sample->add_option("--model", s.model, "Run directory or model.pt of a protein_lm")->required();
  sample->add_option("--n", s.n, "Sequences to draw")->check(CLI::PositiveNumber);
  sample->add_option("--temperature", s.sample.temperature, "Softmax temperature (> 0)");
  sample->add_option("--top-k", s.sample.top_k, "Keep the k most likely residues per step (0 = all)");
  sample->add_option("--top-p", s.sample.top_p, "Nucleus sampling mass (1 = all)");
  s.sample.min_length = 50;
  s.sample.max_length = 500;
  sample->add_option("--min-length", s.sample.min_length, "No end before this many residues (default 50)");
  sample->add_option("--max-length", s.sample.max_length, "Most residues per sequence (default 500)");
  sample->add_option("--batch-size", s.batch, "Sequences per decoding batch");
  sample->add_option("--out", s.out, "Output FASTA (written atomically)")->required();
  sample->callback([&g] { run_sample(s, g); });

  CLI::App* score = cmd->add_subcommand(
      "score", "Log-likelihood and perplexity of sequences, or zero-shot mutation effects (log-likelihood ratio to "
               "the wild type)");
  score->add_option("--model", c.model, "Run directory or model.pt of a protein_lm")->required();
  score->add_option("--input", c.input, "Sequences: FASTA (.fasta/.fa/.faa[.gz]) or JSON id -> sequence");
  score->add_option("--wild-type", c.wild_type, "Wild-type sequence, or a FASTA file whose first record it is");
  score->add_option("--mutations", c.mutations, "CSV/TSV (optionally .gz) with a column of mutations like H24C or "
                                               "H24C:G30T");
  score->add_option("--mutation-col", c.mutation_col, "Column with the mutations (default mutant)");
  score->add_option("--offset", c.offset, "Residue number of the wild type's first residue (default 1)");
  score->add_option("--batch-size", c.batch, "Sequences per batch");
  score->add_option("--out", c.out, "Output CSV (written atomically)")->required();
  score->callback([&g] { run_score(c, g); });

  CLI::App* embed = cmd->add_subcommand("embed", "Mean-pooled sequence embeddings to HDF5 (id, embedding [n, d])");
  embed->add_option("--model", e.model, "Run directory or model.pt of a protein_lm")->required();
  embed->add_option("--input", e.input, "Sequences: FASTA (.fasta/.fa/.faa[.gz]) or JSON id -> sequence")->required();
  embed->add_option("--batch-size", e.batch, "Sequences per batch");
  embed->add_option("--out", e.out, "Output .h5 (written atomically)")->required();
  embed->callback([&g] { run_embed(e, g); });
  cmd->footer(
      "Examples:\n"
      "  hitforge protein sample --model plm --n 100 --temperature 1.0 --min-length 100 --max-length 300 --out s.fasta\n"
      "  hitforge protein score --model plm --input proteins.fasta --out ll.csv\n"
      "  hitforge protein score --model plm --wild-type P62593.fasta --mutations dms.csv --out dms_scores.csv\n"
      "  hitforge protein embed --model plm --input proteins.fasta --out emb.h5");
}

}  // namespace hitforge::cli
