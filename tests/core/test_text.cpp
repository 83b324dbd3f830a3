#include <catch2/catch.hpp>

#include "core/text.h"

using namespace hitforge;

TEST_CASE("CSV fields are quoted only when they must be", "[core]") {
  CHECK(core::csv_field("CCO") == "CCO");
  CHECK(core::csv_field("") == "");
  CHECK(core::csv_field("a,b") == "\"a,b\"");
  CHECK(core::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(core::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(core::csv_field(" padded") == "\" padded\"");
  std::string line = "x,";
  core::append_csv_field(line, "y,z");
  CHECK(line == "x,\"y,z\"");
}

TEST_CASE("split_list keeps the non-empty items", "[core]") {
  CHECK(core::split_list("qed,sa,,pains") == std::vector<std::string>{"qed", "sa", "pains"});
  CHECK(core::split_list("").empty());
  CHECK(core::split_list(",").empty());
  CHECK(core::split_list("a") == std::vector<std::string>{"a"});
  CHECK(core::split_list("a;b", ';') == std::vector<std::string>{"a", "b"});
}

TEST_CASE("join separates items for messages", "[core]") {
  CHECK(core::join({"qed", "sa"}) == "qed, sa");
  CHECK(core::join({}).empty());
  CHECK(core::join({"a", "b", "c"}, "|") == "a|b|c");
}
