#include "analyze/slo.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace tt::analyze {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

double parseDurationUs(std::string_view key, std::string_view value) {
  const std::string expected =
      "; write a number and a unit, e.g. " + std::string(key) + "=250ms (units: us, ms, s)";
  double number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end == value.data()) {
    throw SloError("SLO " + std::string(key) + "=" + std::string(value) + " has no number" +
                   expected);
  }
  const std::string_view unit(end, static_cast<size_t>(value.data() + value.size() - end));
  double scale = 0;
  if (unit == "us") {
    scale = 1;
  } else if (unit == "ms") {
    scale = 1e3;
  } else if (unit == "s") {
    scale = 1e6;
  } else if (unit.empty()) {
    throw SloError("SLO " + std::string(key) + "=" + std::string(value) + " has no unit" +
                   expected);
  } else {
    throw SloError("SLO " + std::string(key) + "=" + std::string(value) + " has unit '" +
                   std::string(unit) + "', not a time unit" + expected);
  }
  if (!std::isfinite(number) || number <= 0) {
    throw SloError("SLO " + std::string(key) + "=" + std::string(value) +
                   " must be a positive time" + expected);
  }
  return number * scale;
}

void appendDuration(std::ostringstream& out, const char* key, double us) {
  if (out.tellp() > 0) {
    out << ",";
  }
  out << key << "=";
  if (us >= 1e6 && std::fmod(us, 1e5) == 0) {
    out << us / 1e6 << "s";
  } else if (us >= 1e3 && std::fmod(us, 1.0) == 0) {
    out << us / 1e3 << "ms";
  } else {
    out << us << "us";
  }
}

} // namespace

std::string Slo::describe() const {
  std::ostringstream out;
  if (ttftUs) {
    appendDuration(out, "ttft", *ttftUs);
  }
  if (itlUs) {
    appendDuration(out, "itl", *itlUs);
  }
  if (e2eUs) {
    appendDuration(out, "e2e", *e2eUs);
  }
  return out.str();
}

std::string sloProblem(const std::string& text) {
  try {
    parseSlo(text);
    return "";
  } catch (const SloError& e) {
    return e.what();
  }
}

Slo parseSlo(std::string_view text) {
  Slo slo;
  if (trim(text).empty()) {
    throw SloError("empty SLO; write e.g. ttft=2s,itl=200ms");
  }
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw SloError("SLO item '" + std::string(item) +
                     "' is not key=value; write e.g. ttft=2s,itl=200ms");
    }
    const std::string_view key = trim(item.substr(0, eq));
    const double us = parseDurationUs(key, trim(item.substr(eq + 1)));
    std::optional<double>* target = nullptr;
    if (key == "ttft") {
      target = &slo.ttftUs;
    } else if (key == "itl" || key == "tpot") {
      target = &slo.itlUs;
    } else if (key == "e2e") {
      target = &slo.e2eUs;
    } else {
      throw SloError("unknown SLO '" + std::string(key) +
                     "'; the objectives are ttft, itl (tpot) "
                     "and e2e");
    }
    if (*target) {
      throw SloError("SLO '" + std::string(key) + "' is given twice");
    }
    *target = us;
  }
  return slo;
}

} // namespace tt::analyze
