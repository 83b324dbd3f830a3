#pragma once
// One interface for every molecular featuriser, plus a name registry so that the CLI and configs can say
// "morgan:radius=2,bits=2048". Featurisers are immutable after construction and thread-safe: the dataset builder
// calls compute() concurrently from OpenMP threads on different molecules.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/mol_graph.h"

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

using core::MolGraph;

/// How a featuriser's output is laid out (and stored in HDF5, see docs/dataset-format.md).
enum class FeatureKind {
  packed_bits,  ///< width() bits per molecule, packed LSB-first into ceil(width/8) bytes: bit b is byte b/8, mask 1<<(b%8)
  counts_u8,    ///< width() counts per molecule, uint8, saturating at 255
  dense_f32,    ///< width() float32 values per molecule (NaN where a value cannot be computed)
  graph,        ///< ragged molecular graph (MolGraph)
  tokens,       ///< ragged token sequence (e.g. SMILES tokens); ids assigned by the dataset writer's vocabulary
};
const char* to_string(FeatureKind kind);

/// "name:key=value,key=value" — parsed spec of a featuriser.
struct FeatureSpec {
  std::string name;
  std::map<std::string, std::string> params;

  /// Grammar: name[":" key "=" value ("," key "=" value)*]; name and key are [A-Za-z0-9_]+, value is
  /// [A-Za-z0-9_.+-]+; no spaces, no empty parts, no repeated key. Throws UsageError on malformed text.
  static FeatureSpec parse(const std::string& text);
  /// Canonical text: the name, then every parameter sorted by key ("morgan:bits=2048,radius=2"); parse(str()) gives
  /// back the same name and params.
  std::string str() const;
  /// Typed access with a default; throws UsageError naming the featuriser and key on a bad value.
  int get_int(const std::string& key, int fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  /// Throws UsageError if params hold a key not in `allowed` (catches typos such as "radus=2").
  void check_keys(const std::vector<std::string>& allowed) const;
};

class Featurizer {
 public:
  virtual ~Featurizer() = default;
  /// Registry name, e.g. "morgan".
  virtual std::string name() const = 0;
  /// Canonical spec with every parameter spelled out, e.g. "morgan:bits=2048,chiral=0,features=0,radius=2".
  /// make_featurizer(spec()) rebuilds an identical featuriser; stored in datasets and checkpoints.
  virtual std::string spec() const = 0;
  virtual FeatureKind kind() const = 0;
  /// packed_bits/counts_u8: number of bits/counts; dense_f32: number of columns; graph: atom feature size.
  virtual std::size_t width() const = 0;
  /// graph kind: bond feature size (the atom feature size is width()); 0 for other kinds.
  virtual std::size_t bond_width() const { return 0; }
  /// Bytes of one row for fixed-width kinds (packed_bits: ceil(width/8); counts_u8: width; dense_f32: 4*width);
  /// 0 for graph.
  std::size_t row_bytes() const;
  /// Column names for dense_f32 (e.g. descriptor names); empty otherwise.
  virtual std::vector<std::string> column_names() const { return {}; }

  /// Fixed-width kinds: writes exactly row_bytes() bytes at `row` (packed bits / uint8 counts / float32 values).
  /// The molecule is sanitised. Throws on failure (the caller turns that into an `invalid` record).
  virtual void compute(const RDKit::ROMol& mol, std::uint8_t* row) const;
  /// Graph kind: fills `out` (cleared first).
  virtual void compute_graph(const RDKit::ROMol& mol, MolGraph& out) const;
  /// Tokens kind: fills `out` (cleared first) with the tokens of the record; `smiles` is the SMILES stored for the
  /// record (canonical by default). Throws for text that cannot be tokenised.
  virtual void compute_tokens(const RDKit::ROMol& mol, std::string_view smiles, std::vector<std::string>& out) const;
};

using FeaturizerPtr = std::unique_ptr<Featurizer>;

/// Builds a featuriser from a spec string ("morgan", "morgan:radius=3,bits=1024", "rdkit2d", "maccs",
/// "atompair:bits=2048", "morgan_counts", "graph"). Throws UsageError listing known names for an unknown one.
FeaturizerPtr make_featurizer(const std::string& spec);
/// Names of all registered featurisers with a one-line description each.
std::vector<std::pair<std::string, std::string>> featurizer_catalog();

}  // namespace hitforge::chem
