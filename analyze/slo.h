#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tt::analyze {

// A malformed --slo value; the message says what is wrong and what is expected.
class SloError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// Service-level objectives a request must all meet to count towards goodput (DistServe, vLLM
// bench --goodput, AIPerf --goodput). Limits are in microseconds; an absent one is not checked.
struct Slo {
  std::optional<double> ttftUs;
  std::optional<double> itlUs; // per request: its time per output token (TPOT)
  std::optional<double> e2eUs;

  bool any() const { return ttftUs || itlUs || e2eUs; }
  // "ttft=2s,itl=200ms" (the form parseSlo reads); empty when no objective is set.
  std::string describe() const;
};

// Parses "ttft=2s,itl=200ms,e2e=30s": keys ttft, itl (or tpot, the same objective) and e2e; each
// value a positive number with a unit, us, ms or s. Throws SloError.
Slo parseSlo(std::string_view text);
// For a command line's check: why `text` is not an SLO, or "" when it is.
std::string sloProblem(const std::string& text);

} // namespace tt::analyze
