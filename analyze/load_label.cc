#include "analyze/load_label.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace tt::analyze {
namespace {

std::string number(double v, const char* suffix) {
  char text[48];
  std::snprintf(text, sizeof text, "%.3g%s", v, suffix);
  return text;
}

} // namespace

std::string loadLabel(const TraceInfo& info, double timeScale,
                      std::optional<double> offeredRatePerS) {
  const auto p = nlohmann::json::parse(info.parametersJson, nullptr, false);
  if (p.is_object()) {
    // A validation run states its load in the server's time already.
    if (p.contains("load") && p["load"].is_number()) {
      return number(p["load"].get<double>(), "x");
    }
    const std::string mode = p.value("mode", "");
    const double value =
        p.contains("value") && p["value"].is_number() ? p["value"].get<double>() : 0;
    if (mode == "original") {
      return number(1 / timeScale, "x");
    }
    if (value > 0 && mode == "speed") {
      return number(value / timeScale, "x");
    }
    if (value > 0 && (mode == "rate" || mode == "poisson")) {
      return number(value / timeScale, "/s");
    }
    if (value > 0 && mode == "concurrency") {
      return number(value, "").insert(0, "c=");
    }
  }
  if (offeredRatePerS) {
    return number(*offeredRatePerS, "/s");
  }
  return "#" + std::to_string(info.id);
}

} // namespace tt::analyze
