#include "screen/desirability.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hitforge::screen {
using core::str_cat;
using core::UsageError;

namespace {

double sigmoid(double x, double low, double high, double k) {
  const double mid = 0.5 * (low + high);
  return 1.0 / (1.0 + std::pow(10.0, -k * (x - mid) * 10.0 / (high - low)));
}

const char* type_name(Transform::Type t) {
  switch (t) {
    case Transform::Type::none:
      return "none";
    case Transform::Type::sigmoid:
      return "sigmoid";
    case Transform::Type::reverse_sigmoid:
      return "reverse_sigmoid";
    case Transform::Type::double_sigmoid:
      return "double_sigmoid";
    case Transform::Type::step:
      return "step";
  }
  return "?";
}

}  // namespace

Transform Transform::from_json(const nlohmann::json& j) {
  HITFORGE_REQUIRE(j.is_object(),
                   "a transform must be a JSON object like {\"type\": \"sigmoid\", \"low\": 2, "
                   "\"high\": 4}, got ",
                   j.dump());
  Transform t;
  const std::string type = j.value("type", std::string("none"));
  const std::vector<std::pair<const char*, Type>> types = {{"none", Type::none},
                                                           {"sigmoid", Type::sigmoid},
                                                           {"reverse_sigmoid", Type::reverse_sigmoid},
                                                           {"double_sigmoid", Type::double_sigmoid},
                                                           {"step", Type::step}};
  auto it = std::find_if(types.begin(), types.end(), [&](const auto& p) { return type == p.first; });
  HITFORGE_REQUIRE(it != types.end(), "unknown transform type '", type,
                   "' (known: none, sigmoid, reverse_sigmoid, double_sigmoid, step)");
  t.type = it->second;
  for (const auto& [key, value] : j.items()) {
    static const char* allowed[] = {"type", "low", "high", "k", "width"};
    HITFORGE_REQUIRE(std::find(std::begin(allowed), std::end(allowed), key) != std::end(allowed), "transform '", type,
                     "': unknown key '", key, "' (allowed: type, low, high, k, width)");
    if (key != "type")
      HITFORGE_REQUIRE(value.is_number(), "transform '", type, "': '", key, "' must be a number, got ", value.dump());
  }
  t.has_low = j.contains("low");
  t.has_high = j.contains("high");
  if (t.has_low) t.low = j["low"].get<double>();
  if (t.has_high) t.high = j["high"].get<double>();
  t.k = j.value("k", 0.25);
  if (t.type == Type::none) return t;
  if (t.type == Type::step) {
    HITFORGE_REQUIRE(t.has_low || t.has_high, "transform 'step' needs 'low' and/or 'high'");
    HITFORGE_REQUIRE(!(t.has_low && t.has_high) || t.low <= t.high, "transform 'step': low (", t.low,
                     ") is above high (", t.high, ")");
    return t;
  }
  HITFORGE_REQUIRE(t.has_low && t.has_high, "transform '", type, "' needs both 'low' and 'high'");
  HITFORGE_REQUIRE(t.low < t.high, "transform '", type, "': low (", t.low, ") must be below high (", t.high, ")");
  HITFORGE_REQUIRE(t.k > 0, "transform '", type, "': k must be positive, got ", t.k);
  if (t.type == Type::double_sigmoid) {
    t.width = j.value("width", 0.5 * (t.high - t.low));
    HITFORGE_REQUIRE(t.width > 0, "transform 'double_sigmoid': width must be positive, got ", t.width);
  }
  return t;
}

nlohmann::json Transform::to_json() const {
  nlohmann::json j = {{"type", type_name(type)}};
  if (type == Type::none) return j;
  if (type != Type::step || has_low) j["low"] = low;
  if (type != Type::step || has_high) j["high"] = high;
  if (type != Type::step) j["k"] = k;
  if (type == Type::double_sigmoid) j["width"] = width;
  return j;
}

double Transform::operator()(double x) const {
  if (std::isnan(x)) return 0.0;
  switch (type) {
    case Type::none:
      return std::clamp(x, 0.0, 1.0);
    case Type::sigmoid:
      return sigmoid(x, low, high, k);
    case Type::reverse_sigmoid:
      return 1.0 - sigmoid(x, low, high, k);
    case Type::double_sigmoid:
      return sigmoid(x, low - 0.5 * width, low + 0.5 * width, k) *
             (1.0 - sigmoid(x, high - 0.5 * width, high + 0.5 * width, k));
    case Type::step:
      return (!has_low || x >= low) && (!has_high || x <= high) ? 1.0 : 0.0;
  }
  return 0.0;
}

Aggregate parse_aggregate(const std::string& text) {
  if (text == "geometric") return Aggregate::geometric;
  if (text == "arithmetic") return Aggregate::arithmetic;
  throw UsageError(str_cat("unknown aggregate '", text, "' (known: geometric, arithmetic)"));
}

const char* to_string(Aggregate a) {
  return a == Aggregate::geometric ? "geometric" : "arithmetic";
}

double aggregate(Aggregate how, const double* d, const double* w, std::size_t n) {
  double wsum = 0.0;
  for (std::size_t i = 0; i < n; ++i) wsum += w[i];
  if (n == 0 || wsum <= 0.0) return 0.0;
  if (how == Aggregate::arithmetic) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += w[i] * d[i];
    return s / wsum;
  }
  double log_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(d[i] > 0.0)) return 0.0;
    log_sum += w[i] * std::log(d[i]);
  }
  return std::exp(log_sum / wsum);
}

}  // namespace hitforge::screen
