#include "models/model_config.h"

#include <algorithm>
#include <functional>
#include <map>

#include <torch/torch.h>

#include "core/error.h"
#include "core/text.h"

namespace hitforge::models {

namespace {

using nlohmann::json;

std::string sorted_list(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return core::join(items);
}

// Reads typed fields of one model's config object; every failure is a UsageError naming model and key.
class ConfigReader {
 public:
  ConfigReader(std::string model, const json& config, std::vector<std::string> keys)
      : model_(std::move(model)), config_(config) {
    HITFORGE_REQUIRE(config.is_object() || config.is_null(), model_, " config must be a JSON object, got ",
                     config.type_name());
    if (config.is_null()) return;
    for (const auto& item : config.items())
      HITFORGE_REQUIRE(std::find(keys.begin(), keys.end(), item.key()) != keys.end(), model_, " config: unknown key '",
                       item.key(), "' (known: ", sorted_list(keys), ")");
  }

  const json* find(const char* key) const {
    if (!config_.is_object()) return nullptr;
    auto it = config_.find(key);
    return it == config_.end() ? nullptr : &*it;
  }

  void get(const char* key, std::int64_t& out) const {
    if (const json* v = find(key)) out = as_int(key, *v);
  }
  void get(const char* key, double& out) const {
    if (const json* v = find(key)) {
      require(v->is_number(), key, "a number", *v);
      out = v->get<double>();
    }
  }
  void get(const char* key, bool& out) const {
    if (const json* v = find(key)) {
      require(v->is_boolean(), key, "true or false", *v);
      out = v->get<bool>();
    }
  }
  void get(const char* key, std::string& out) const {
    if (const json* v = find(key)) {
      require(v->is_string(), key, "a string", *v);
      out = v->get<std::string>();
    }
  }
  void get(const char* key, std::vector<std::int64_t>& out) const {
    if (const json* v = find(key)) {
      require(v->is_array(), key, "an array of integers", *v);
      std::vector<std::int64_t> values;
      for (const auto& e : *v) values.push_back(as_int(key, e));
      out = std::move(values);
    }
  }

  // A size that may come from the data (dims) or the config; both given must agree.
  std::int64_t size(const char* key, const std::optional<std::int64_t>& from_data,
                    const std::optional<std::int64_t>& fallback = std::nullopt) const {
    std::optional<std::int64_t> from_config;
    if (const json* v = find(key)) from_config = as_int(key, *v);
    HITFORGE_REQUIRE(!from_data || !from_config || *from_data == *from_config, model_, " config: ", key, " is ",
                     *from_config, " but the data has ", *from_data);
    if (from_data) return *from_data;
    if (from_config) return *from_config;
    HITFORGE_REQUIRE(fallback.has_value(), model_, " config: ", key, " is unknown (give it in the config or take it ",
                     "from the data set)");
    return *fallback;
  }

 private:
  std::int64_t as_int(const char* key, const json& v) const {
    require(v.is_number_integer(), key, "an integer", v);
    return v.get<std::int64_t>();
  }
  void require(bool ok, const char* key, const char* what, const json& v) const {
    HITFORGE_REQUIRE(ok, model_, " config: '", key, "' must be ", what, ", got ", v.type_name(), " ", v.dump());
  }

  std::string model_;
  const json& config_;
};

const std::vector<std::string> kFingerprintMLPKeys{"input_dim", "n_tasks",    "hidden",
                                                   "dropout",   "activation", "sparse_input"};
const std::vector<std::string> kDMPNNKeys{
    "atom_dim",   "bond_dim",    "n_tasks",          "hidden", "depth",
    "dropout",    "aggregation", "aggregation_norm", "bias",   "extra_features_dim",
    "batch_norm", "ffn_hidden",  "ffn_layers"};

const std::vector<std::string> kSmilesLSTMKeys{"vocab_size", "embedding_dim", "hidden", "layers", "dropout",
                                               "pad_id",     "bos_id",        "eos_id", "unk_id"};
const std::vector<std::string> kSmilesTransformerKeys{"vocab_size", "d_model",       "heads",  "layers",
                                                      "ff_dim",     "dropout",       "max_positions", "pad_id",
                                                      "bos_id",     "eos_id",        "unk_id"};

using Factory = std::function<std::shared_ptr<PropertyModel>(const json&, const ModelDims&)>;
using LanguageFactory = std::function<std::shared_ptr<LanguageModel>(const json&, const ModelDims&)>;

const std::map<std::string, LanguageFactory>& language_registry() {
  static const std::map<std::string, LanguageFactory> models{
      {"smiles_lstm",
       [](const json& c, const ModelDims& d) {
         return std::make_shared<SmilesLSTMModel>(SmilesLSTM(smiles_lstm_options_from_json(c, d)));
       }},
      {"smiles_transformer",
       [](const json& c, const ModelDims& d) {
         return std::make_shared<SmilesTransformerModel>(
             SmilesTransformer(smiles_transformer_options_from_json(c, d)));
       }},
      {"protein_lm",
       [](const json& c, const ModelDims& d) {
         return std::make_shared<ProteinLMModel>(SmilesTransformer(protein_lm_options_from_json(c, d)));
       }},
  };
  return models;
}

// A spec's {"name", "config"} after checking its shape.
std::pair<std::string, json> split_spec(const json& spec) {
  HITFORGE_REQUIRE(spec.is_object() && spec.contains("name") && spec["name"].is_string(),
                   "model spec must be an object with a string \"name\" (and a \"config\" object)");
  for (const auto& item : spec.items())
    HITFORGE_REQUIRE(item.key() == "name" || item.key() == "config", "model spec: unknown key '", item.key(),
                     "' (known: config, name)");
  return {spec["name"].get<std::string>(), spec.contains("config") ? spec["config"] : json()};
}

const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> models{
      {"fp_mlp",
       [](const json& c, const ModelDims& d) {
         return std::make_shared<FingerprintMLPModel>(FingerprintMLP(fingerprint_mlp_options_from_json(c, d)));
       }},
      {"dmpnn", [](const json& c,
                   const ModelDims& d) { return std::make_shared<DMPNNModel>(DMPNN(dmpnn_options_from_json(c, d))); }},
  };
  return models;
}

}  // namespace

json fingerprint_mlp_options_to_json(const FingerprintMLPOptions& o) {
  return json{{"input_dim", o.input_dim()}, {"n_tasks", o.n_tasks()},       {"hidden", o.hidden()},
              {"dropout", o.dropout()},     {"activation", o.activation()}, {"sparse_input", o.sparse_input()}};
}

FingerprintMLPOptions fingerprint_mlp_options_from_json(const json& config, const ModelDims& dims) {
  const ConfigReader r("fp_mlp", config, kFingerprintMLPKeys);
  // Sizes first, in a fixed order, so that the first missing one is the one reported.
  const std::int64_t input_dim = r.size("input_dim", dims.input_dim);
  const std::int64_t n_tasks = r.size("n_tasks", dims.n_tasks, 1);
  FingerprintMLPOptions o(input_dim, n_tasks);
  r.get("hidden", o.hidden());
  r.get("dropout", o.dropout());
  r.get("activation", o.activation());
  r.get("sparse_input", o.sparse_input());
  parse_activation(o.activation());  // fail here, with the config's context, rather than at construction
  return o;
}

json dmpnn_options_to_json(const DMPNNOptions& o) {
  return json{{"atom_dim", o.atom_dim()},
              {"bond_dim", o.bond_dim()},
              {"n_tasks", o.n_tasks()},
              {"hidden", o.hidden()},
              {"depth", o.depth()},
              {"dropout", o.dropout()},
              {"aggregation", o.aggregation()},
              {"aggregation_norm", o.aggregation_norm()},
              {"bias", o.bias()},
              {"extra_features_dim", o.extra_features_dim()},
              {"batch_norm", o.batch_norm()},
              {"ffn_hidden", o.ffn_hidden()},
              {"ffn_layers", o.ffn_layers()}};
}

DMPNNOptions dmpnn_options_from_json(const json& config, const ModelDims& dims) {
  const ConfigReader r("dmpnn", config, kDMPNNKeys);
  const std::int64_t atom_dim = r.size("atom_dim", dims.atom_dim);
  const std::int64_t bond_dim = r.size("bond_dim", dims.bond_dim);
  const std::int64_t n_tasks = r.size("n_tasks", dims.n_tasks, 1);
  DMPNNOptions o(atom_dim, bond_dim, n_tasks);
  o.extra_features_dim(r.size("extra_features_dim", dims.extra_features_dim, 0));
  r.get("hidden", o.hidden());
  r.get("depth", o.depth());
  r.get("dropout", o.dropout());
  r.get("aggregation", o.aggregation());
  r.get("aggregation_norm", o.aggregation_norm());
  r.get("bias", o.bias());
  r.get("batch_norm", o.batch_norm());
  r.get("ffn_hidden", o.ffn_hidden());
  r.get("ffn_layers", o.ffn_layers());
  parse_aggregation(o.aggregation());
  return o;
}

json smiles_lstm_options_to_json(const SmilesLSTMOptions& o) {
  return json{{"vocab_size", o.vocab_size()}, {"embedding_dim", o.embedding_dim()}, {"hidden", o.hidden()},
              {"layers", o.layers()},         {"dropout", o.dropout()},             {"pad_id", o.pad_id()},
              {"bos_id", o.bos_id()},         {"eos_id", o.eos_id()},               {"unk_id", o.unk_id()}};
}

SmilesLSTMOptions smiles_lstm_options_from_json(const json& config, const ModelDims& dims) {
  const ConfigReader r("smiles_lstm", config, kSmilesLSTMKeys);
  SmilesLSTMOptions o(r.size("vocab_size", dims.vocab_size));
  r.get("embedding_dim", o.embedding_dim());
  r.get("hidden", o.hidden());
  r.get("layers", o.layers());
  r.get("dropout", o.dropout());
  r.get("pad_id", o.pad_id());
  r.get("bos_id", o.bos_id());
  r.get("eos_id", o.eos_id());
  r.get("unk_id", o.unk_id());
  validate(o);  // fail here, with the config's context, rather than at construction
  return o;
}

json smiles_transformer_options_to_json(const SmilesTransformerOptions& o) {
  return json{{"vocab_size", o.vocab_size()}, {"d_model", o.d_model()},
              {"heads", o.heads()},           {"layers", o.layers()},
              {"ff_dim", o.resolved_ff_dim()}, {"dropout", o.dropout()},
              {"max_positions", o.max_positions()}, {"pad_id", o.pad_id()},
              {"bos_id", o.bos_id()},         {"eos_id", o.eos_id()},
              {"unk_id", o.unk_id()}};
}

namespace {
// The Transformer options of `config` over `defaults` (vocab_size from the config or the dims), for the model `name`.
SmilesTransformerOptions transformer_options_from_json(const char* name, const json& config, const ModelDims& dims,
                                                       SmilesTransformerOptions o) {
  const ConfigReader r(name, config, kSmilesTransformerKeys);
  o.vocab_size(r.size("vocab_size", dims.vocab_size));
  r.get("d_model", o.d_model());
  r.get("heads", o.heads());
  r.get("layers", o.layers());
  r.get("ff_dim", o.ff_dim());
  r.get("dropout", o.dropout());
  r.get("max_positions", o.max_positions());
  r.get("pad_id", o.pad_id());
  r.get("bos_id", o.bos_id());
  r.get("eos_id", o.eos_id());
  r.get("unk_id", o.unk_id());
  validate(o);
  return o;
}
}  // namespace

SmilesTransformerOptions smiles_transformer_options_from_json(const json& config, const ModelDims& dims) {
  return transformer_options_from_json("smiles_transformer", config, dims, SmilesTransformerOptions(0));
}

SmilesTransformerOptions protein_lm_options_from_json(const json& config, const ModelDims& dims) {
  return transformer_options_from_json(
      "protein_lm", config, dims,
      SmilesTransformerOptions(0).d_model(128).heads(4).layers(4).max_positions(512).dropout(0.1));
}

std::vector<std::string> known_models() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::shared_ptr<PropertyModel> make_model(const std::string& name, const json& config, const ModelDims& dims) {
  const auto& models = registry();
  auto it = models.find(name);
  HITFORGE_REQUIRE(!is_language_model(name), "'", name, "' is a language model, not a property model (",
                   "make_language_model; hitforge train on a smiles_tokens block)");
  HITFORGE_REQUIRE(!is_pair_model(name), "'", name, "' is a drug–target pair model, not a property model (",
                   "make_pair_model; hitforge train on a pair dataset)");
  HITFORGE_REQUIRE(it != models.end(), "unknown model '", name, "' (known: ", sorted_list(known_models()), ")");
  return it->second(config, dims);
}

json model_spec(const PropertyModel& model) {
  return json{{"name", model.name()}, {"config", model.to_json()}};
}

std::shared_ptr<PropertyModel> make_model(const json& spec) {
  auto [name, config] = split_spec(spec);
  return make_model(name, config, ModelDims{});
}

std::vector<std::string> known_language_models() {
  std::vector<std::string> names;
  for (const auto& entry : language_registry()) names.push_back(entry.first);
  return names;
}

bool is_language_model(const std::string& name) { return language_registry().count(name) > 0; }

std::shared_ptr<LanguageModel> make_language_model(const std::string& name, const json& config, const ModelDims& dims) {
  const auto& models = language_registry();
  auto it = models.find(name);
  HITFORGE_REQUIRE(it != models.end(), "unknown language model '", name, "' (known: ",
                   sorted_list(known_language_models()), ")");
  return it->second(config, dims);
}

json model_spec(const LanguageModel& model) { return json{{"name", model.name()}, {"config", model.to_json()}}; }

std::shared_ptr<LanguageModel> make_language_model(const json& spec) {
  auto [name, config] = split_spec(spec);
  return make_language_model(name, config, ModelDims{});
}

// ---- drug–target pair models ----

namespace {

const std::vector<std::string> kDTAKeys{"ligand_encoder",        "ligand",          "ligand_dim",
                                        "protein_vocab_size",    "protein_embedding_dim", "protein_filters",
                                        "protein_kernel_sizes",  "pad_id",          "head_hidden",
                                        "dropout",               "n_tasks"};

using PairFactory = std::function<std::shared_ptr<DTAModel>(const json&, const ModelDims&)>;

const std::map<std::string, PairFactory>& pair_registry() {
  static const std::map<std::string, PairFactory> models{
      {"dta", [](const json& c,
                 const ModelDims& d) { return std::make_shared<DTAModel>(DTA(dta_options_from_json(c, d))); }},
  };
  return models;
}

}  // namespace

json dta_options_to_json(const DTAOptions& o) {
  // The encoder's n_tasks is ligand_dim by construction; leaving it out keeps one source of truth.
  json ligand = o.graph_encoder() ? dmpnn_options_to_json(*o.graph_encoder())
                                  : fingerprint_mlp_options_to_json(*o.fingerprint_encoder());
  ligand.erase("n_tasks");
  return json{{"ligand_encoder", o.ligand_encoder()},
              {"ligand", ligand},
              {"ligand_dim", o.ligand_dim()},
              {"protein_vocab_size", o.protein_vocab_size()},
              {"protein_embedding_dim", o.protein_embedding_dim()},
              {"protein_filters", o.protein_filters()},
              {"protein_kernel_sizes", o.protein_kernel_sizes()},
              {"pad_id", o.pad_id()},
              {"head_hidden", o.head_hidden()},
              {"dropout", o.dropout()},
              {"n_tasks", o.n_tasks()}};
}

DTAOptions dta_options_from_json(const json& config, const ModelDims& dims) {
  const ConfigReader r("dta", config, kDTAKeys);
  std::string encoder = dims.atom_dim || !dims.input_dim ? "dmpnn" : "fp_mlp";
  r.get("ligand_encoder", encoder);
  HITFORGE_REQUIRE(encoder == "dmpnn" || encoder == "fp_mlp", "dta config: 'ligand_encoder' must be \"dmpnn\" or ",
                   "\"fp_mlp\", got \"", encoder, "\"");
  std::int64_t ligand_dim = 128;
  r.get("ligand_dim", ligand_dim);
  const json* ligand = r.find("ligand");
  HITFORGE_REQUIRE(!ligand || ligand->is_object(), "dta config: 'ligand' must be the encoder's config object");
  HITFORGE_REQUIRE(!ligand || !ligand->contains("n_tasks"),
                   "dta config: the ligand encoder's output width is 'ligand_dim'; remove 'n_tasks' from 'ligand'");
  ModelDims ld = dims;  // the encoder's sizes come from the data; its output is the ligand embedding
  ld.n_tasks = ligand_dim;
  ld.vocab_size.reset();
  const json none;
  const json& lc = ligand ? *ligand : none;
  DTAOptions o = encoder == "dmpnn" ? DTAOptions(dmpnn_options_from_json(lc, ld))
                                    : DTAOptions(fingerprint_mlp_options_from_json(lc, ld));
  o.ligand_dim(ligand_dim);
  o.protein_vocab_size(r.size("protein_vocab_size", dims.vocab_size, o.protein_vocab_size()));
  o.n_tasks(r.size("n_tasks", dims.n_tasks, 1));
  r.get("protein_embedding_dim", o.protein_embedding_dim());
  r.get("protein_filters", o.protein_filters());
  r.get("protein_kernel_sizes", o.protein_kernel_sizes());
  r.get("pad_id", o.pad_id());
  r.get("head_hidden", o.head_hidden());
  r.get("dropout", o.dropout());
  return o;
}

std::vector<std::string> known_pair_models() {
  std::vector<std::string> names;
  for (const auto& entry : pair_registry()) names.push_back(entry.first);
  return names;
}

bool is_pair_model(const std::string& name) { return pair_registry().count(name) > 0; }

std::shared_ptr<DTAModel> make_pair_model(const std::string& name, const json& config, const ModelDims& dims) {
  const auto& models = pair_registry();
  auto it = models.find(name);
  HITFORGE_REQUIRE(it != models.end(), "unknown pair model '", name, "' (known: ", sorted_list(known_pair_models()),
                   ")");
  return it->second(config, dims);
}

json model_spec(const DTAModel& model) { return json{{"name", model.name()}, {"config", model.to_json()}}; }

std::shared_ptr<DTAModel> make_pair_model(const json& spec) {
  auto [name, config] = split_spec(spec);
  return make_pair_model(name, config, ModelDims{});
}

}  // namespace hitforge::models
