// SMILES tokenizer, vocabulary and protein tokenizer.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chem/tokenizers/protein_tokenizer.h"
#include "chem/tokenizers/smiles_tokenizer.h"
#include "chem/tokenizers/vocabulary.h"
#include "core/error.h"
#include "test_util.h"

using hitforge::chem::detokenize;
using hitforge::chem::ProteinTokenizer;
using hitforge::chem::tokenize;
using hitforge::chem::tokenize_spans;
using hitforge::chem::TokenSpan;
using hitforge::chem::Vocabulary;
using hitforge::core::UsageError;
using Tokens = std::vector<std::string>;

namespace {

std::vector<std::string> nci_smiles(std::size_t n) {
  std::ifstream in(hitforge::testing::rdkit_data("Data/NCI/first_5K.smi"));
  REQUIRE(in);
  std::vector<std::string> out;
  std::string line;
  while (out.size() < n && std::getline(in, line)) {
    std::istringstream fields(line);
    std::string smi;
    fields >> smi;
    if (!smi.empty()) out.push_back(smi);
  }
  return out;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The token classes promised by smiles_tokenizer.h.
bool well_formed_token(const std::string& t) {
  if (t.size() == 1) return t != "[" && t != "]" && t != "%";
  if (t == "Cl" || t == "Br") return true;
  if (t.front() == '[') return t.back() == ']' && t.find('[', 1) == std::string::npos && t.find(']') == t.size() - 1;
  if (t.front() == '%') return (t.size() == 3 && is_digit(t[1]) && is_digit(t[2])) || (t[1] == '(' && t.back() == ')');
  return false;
}

}  // namespace

TEST_CASE("SMILES tokenizer keeps bracket atoms, Cl, Br and %nn whole", "[chem]") {
  CHECK(tokenize("C[C@@H](Cl)Br") == Tokens{"C", "[C@@H]", "(", "Cl", ")", "Br"});
  CHECK(tokenize("c1cc[nH]c1") == Tokens{"c", "1", "c", "c", "[nH]", "c", "1"});
  CHECK(tokenize("C%12CC%12") == Tokens{"C", "%12", "C", "C", "%12"});
  CHECK(tokenize("C%(123)CC%(123)") == Tokens{"C", "%(123)", "C", "C", "%(123)"});
  CHECK(tokenize("[13CH3+].[O-]C=O") == Tokens{"[13CH3+]", ".", "[O-]", "C", "=", "O"});
  CHECK(tokenize("F/C=C\\F") == Tokens{"F", "/", "C", "=", "C", "\\", "F"});
  CHECK(tokenize("N#N") == Tokens{"N", "#", "N"});
  // Outside brackets only Cl and Br are two-letter: "Sc" is S then aromatic c, "Cn" is C then n, "CCl" is C then Cl.
  CHECK(tokenize("Sc1ccccc1") == Tokens{"S", "c", "1", "c", "c", "c", "c", "c", "1"});
  CHECK(tokenize("Cn1") == Tokens{"C", "n", "1"});
  CHECK(tokenize("CCl") == Tokens{"C", "Cl"});
  CHECK(tokenize("BrB") == Tokens{"Br", "B"});
  CHECK(tokenize("C12") == Tokens{"C", "1", "2"});  // single-digit ring bonds are separate tokens
  CHECK(tokenize("").empty());
}

TEST_CASE("SMILES tokenizer rejects unbalanced brackets and bad ring labels", "[chem]") {
  CHECK_THROWS_AS(tokenize("CC[C@@H"), UsageError);
  CHECK_THROWS_WITH(tokenize("CC[C@@H"), Catch::Contains("unbalanced '['") && Catch::Contains("position 2"));
  CHECK_THROWS_WITH(tokenize("CC]"), Catch::Contains("unbalanced ']'") && Catch::Contains("position 2"));
  CHECK_THROWS_WITH(tokenize("C[C[N]]"), Catch::Contains("unbalanced '['"));
  CHECK_THROWS_AS(tokenize("C[]C"), UsageError);
  CHECK_THROWS_AS(tokenize("C%1CC%1"), UsageError);
  CHECK_THROWS_AS(tokenize("C%"), UsageError);
  CHECK_THROWS_AS(tokenize("C%(12"), UsageError);

  std::vector<TokenSpan> spans;
  const auto st = tokenize_spans("CC(Cl)[NH", spans);
  CHECK_FALSE(st.ok);
  CHECK(st.offset == 6);
  CHECK(spans.size() == 5);  // the tokens before the error
}

TEST_CASE("SMILES span tokenizer matches the string tokenizer and reuses its buffer", "[chem]") {
  const std::string smi = "CC(=O)Oc1ccccc1C(=O)[O-]";
  std::vector<TokenSpan> spans;
  REQUIRE(tokenize_spans(smi, spans).ok);
  const auto tokens = tokenize(smi);
  REQUIRE(spans.size() == tokens.size());
  for (std::size_t i = 0; i < spans.size(); ++i) CHECK(smi.substr(spans[i].offset, spans[i].length) == tokens[i]);
  const auto* data = spans.data();
  REQUIRE(tokenize_spans("CCO", spans).ok);
  CHECK(spans.size() == 3);
  CHECK(spans.data() == data);  // no reallocation for a shorter input
}

TEST_CASE("SMILES tokenizer round-trips 1,000 NCI SMILES", "[chem]") {
  const auto smiles = nci_smiles(1000);
  REQUIRE(smiles.size() == 1000);
  std::size_t brackets = 0, halogens = 0;
  for (const auto& s : smiles) {
    const auto tokens = tokenize(s);
    INFO(s);
    CHECK(detokenize(tokens) == s);
    for (const auto& t : tokens) {
      INFO(t);
      CHECK(well_formed_token(t));
      brackets += t.front() == '[';
      halogens += t == "Cl" || t == "Br";
    }
  }
  CHECK(brackets > 0);
  CHECK(halogens > 0);
}

TEST_CASE("vocabulary has fixed specials and maps unknown tokens to <unk>", "[chem]") {
  Vocabulary v;
  CHECK(v.size() == 4);
  CHECK(v.id("<pad>") == 0);
  CHECK(v.id("<bos>") == 1);
  CHECK(v.id("<eos>") == 2);
  CHECK(v.id("<unk>") == 3);
  CHECK(v.add("C") == 4);
  CHECK(v.add("C") == 4);
  CHECK(v.add("<eos>") == Vocabulary::kEos);
  CHECK(v.id("Xx") == Vocabulary::kUnk);
  CHECK(v.token(4) == "C");
  CHECK_THROWS_AS(v.token(5), UsageError);
  CHECK_THROWS_AS(v.token(-1), UsageError);
  CHECK_THROWS_AS(v.add(""), UsageError);
}

TEST_CASE("vocabulary build orders by frequency then lexicographically", "[chem]") {
  const std::vector<Tokens> streams = {tokenize("CCO"), tokenize("c1ccccc1Cl"), tokenize("CC(=O)O"), {"<pad>", "Br"}};
  const Vocabulary v = Vocabulary::build(streams);
  // c: 6, C: 4, O: 3, 1: 2, then count 1 in byte order: "(" ")" "=" "Br" "Cl".
  const Tokens expected = {"<pad>", "<bos>", "<eos>", "<unk>", "c", "C", "O", "1", "(", ")", "=", "Br", "Cl"};
  CHECK(v.tokens() == expected);
  // Determinism: stream order does not matter.
  const std::vector<Tokens> reversed(streams.rbegin(), streams.rend());
  CHECK(Vocabulary::build(reversed) == v);
  // min_count and max_size.
  CHECK(Vocabulary::build(streams, 2).tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "c", "C", "O", "1"});
  CHECK(Vocabulary::build(streams, 1, 6).tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "c", "C"});
}

TEST_CASE("vocabulary encode and decode", "[chem]") {
  const Vocabulary v = Vocabulary::build({tokenize("CC(=O)Cl")});
  const auto ids = v.encode(tokenize("CC(=O)Cl"), true);
  REQUIRE(ids.size() == 9);  // <bos> C C ( = O ) Cl <eos>
  CHECK(ids.front() == Vocabulary::kBos);
  CHECK(ids.back() == Vocabulary::kEos);
  CHECK(v.decode_string(ids) == "CC(=O)Cl");
  CHECK(v.encode({"C", "Br"}, false) == std::vector<std::int64_t>{v.id("C"), Vocabulary::kUnk});
  // decode stops at <eos> and skips <pad>/<bos>.
  const std::vector<std::int64_t> padded = {Vocabulary::kBos, v.id("C"), Vocabulary::kPad, v.id("O"),
                                            Vocabulary::kEos, v.id("C"), Vocabulary::kPad};
  CHECK(v.decode(padded) == Tokens{"C", "O"});
  CHECK(v.decode({v.id("C"), Vocabulary::kUnk}) == Tokens{"C", "<unk>"});
  CHECK_THROWS_AS(v.decode({99}), UsageError);
}

TEST_CASE("vocabulary save/load round trip and rejection of bad files", "[chem]") {
  hitforge::testing::TempDir dir;
  std::vector<Tokens> streams;
  for (const auto& s : nci_smiles(300)) streams.push_back(tokenize(s));
  const Vocabulary v = Vocabulary::build(streams);
  REQUIRE(v.size() > 20);
  v.save(dir.file("vocab.json"));
  const Vocabulary back = Vocabulary::load(dir.file("vocab.json"));
  CHECK(back == v);
  CHECK(Vocabulary::from_json(v.to_json()) == v);
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(back.id(v.token(static_cast<std::int64_t>(i))) == int(i));

  const auto write = [&](const std::string& text) {
    std::ofstream(dir.file("bad.json")) << text;
    return dir.file("bad.json");
  };
  CHECK_THROWS_AS(Vocabulary::load(dir.file("missing.json")), UsageError);
  CHECK_THROWS_WITH(Vocabulary::load(write("{not json")), Catch::Contains("bad.json"));
  CHECK_THROWS_AS(Vocabulary::load(write(R"({"format":"hitforge.vocabulary","version":1,"tokens":["C"]})")),
                  UsageError);
  CHECK_THROWS_WITH(Vocabulary::load(write(R"({"format":"hitforge.vocabulary","version":1,)"
                                           R"("tokens":["<pad>","<bos>","<eos>","<unk>","C","C"]})")),
                    Catch::Contains("twice"));
  CHECK_THROWS_AS(Vocabulary::load(write(R"({"format":"other","version":1,"tokens":[]})")), UsageError);
  CHECK_THROWS_AS(Vocabulary::load(write(std::string(100000, '[') + std::string(100000, ']'))), UsageError);
}

TEST_CASE("protein tokenizer maps the 20 amino acids, X and rare letters", "[chem]") {
  const ProteinTokenizer tok;
  CHECK(ProteinTokenizer::size() == 25);
  CHECK(ProteinTokenizer::id('A') == 4);
  CHECK(ProteinTokenizer::id('Y') == 23);
  CHECK(ProteinTokenizer::id('X') == 24);
  for (const char c : std::string("BZUOJ")) CHECK(ProteinTokenizer::id(c) == ProteinTokenizer::kX);
  CHECK(ProteinTokenizer::id('m') == ProteinTokenizer::id('M'));
  CHECK(ProteinTokenizer::id('*') == -1);

  const auto ids = tok.encode("MKvbZ");
  CHECK(ids == std::vector<std::int64_t>{Vocabulary::kBos, ProteinTokenizer::id('M'), ProteinTokenizer::id('K'),
                                         ProteinTokenizer::id('V'), ProteinTokenizer::kX, ProteinTokenizer::kX,
                                         Vocabulary::kEos});
  CHECK(tok.decode(ids) == "MKVXX");
  CHECK(tok.decode(tok.encode("ACDEFGHIKLMNPQRSTVWY", false)) == "ACDEFGHIKLMNPQRSTVWY");
  CHECK(tok.decode({Vocabulary::kBos, 4, Vocabulary::kPad, 5, Vocabulary::kEos, 6}) == "AC");
  CHECK_THROWS_AS(tok.decode({25}), UsageError);

  // The fixed vocabulary agrees with the tokenizer's ids.
  const Vocabulary v = ProteinTokenizer::vocabulary();
  REQUIRE(v.size() == ProteinTokenizer::size());
  for (const char c : std::string("ACDEFGHIKLMNPQRSTVWYX")) CHECK(v.id(std::string(1, c)) == ProteinTokenizer::id(c));
}

TEST_CASE("protein tokenizer errors name the position of non-letters", "[chem]") {
  const ProteinTokenizer tok;
  CHECK_THROWS_AS(tok.encode("MKV*"), UsageError);
  CHECK_THROWS_WITH(tok.encode("MKV*"), Catch::Contains("'*'") && Catch::Contains("position 4"));
  CHECK_THROWS_WITH(tok.encode("MK-V"), Catch::Contains("position 3"));
  CHECK_THROWS_WITH(tok.encode("MK V"), Catch::Contains("position 3"));
  CHECK(ProteinTokenizer::check("MKV").empty());
  CHECK_THAT(ProteinTokenizer::check("M1"), Catch::Contains("position 2"));
}
