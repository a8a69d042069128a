#include "replay/csv.h"
#include "replay/row_parser.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace tt::replay {
namespace {

// "YYYY-MM-DD HH:MM:SS[.fffffff]" (no time zone: read as UTC) -> unix microseconds.
std::optional<int64_t> parseTimestampUs(std::string_view text) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto year = parseInt(text.substr(0, 4));
  const auto month = parseInt(text.substr(5, 2));
  const auto day = parseInt(text.substr(8, 2));
  const auto hour = parseInt(text.substr(11, 2));
  const auto minute = parseInt(text.substr(14, 2));
  const auto second = parseInt(text.substr(17, 2));
  if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) {
    return std::nullopt;
  }
  int64_t fractionUs = 0;
  if (text.size() > 19) {
    const std::string_view frac = text.substr(20);
    if (text[19] != '.' || frac.empty() || frac.size() > 9 ||
        !std::all_of(frac.begin(), frac.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    // Digits beyond the sixth are below a microsecond: dropped.
    for (size_t i = 0; i < 6; ++i) {
      fractionUs = fractionUs * 10 + (i < frac.size() ? frac[i] - '0' : 0);
    }
  }
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((days * 24 + *hour) * 60 + *minute) * 60'000'000 + *second * 1'000'000 + fractionUs;
}

// TIMESTAMP,ContextTokens,GeneratedTokens
class AzureParser final : public RowParser {
public:
  bool hasHeader() const override { return true; }
  std::string parseHeader(std::string_view line) override {
    const auto fields = splitCsv(line);
    if (!fields || fields->size() != 3 || (*fields)[0] != "TIMESTAMP" ||
        (*fields)[1] != "ContextTokens" || (*fields)[2] != "GeneratedTokens") {
      return "expected the header TIMESTAMP,ContextTokens,GeneratedTokens";
    }
    return "";
  }

  std::string parseRow(std::string_view line, std::vector<Exchange>& out) override {
    const auto fields = splitCsv(line);
    if (!fields || fields->size() != 3) {
      return "expected 3 comma-separated fields";
    }
    const auto atUs = parseTimestampUs((*fields)[0]);
    if (!atUs) {
      return "TIMESTAMP is not YYYY-MM-DD HH:MM:SS.fffffff";
    }
    const auto input = parseInt((*fields)[1]);
    if (!input || *input < 1) {
      return "ContextTokens is not a positive integer";
    }
    const auto output = parseInt((*fields)[2]);
    if (!output || *output < 0) {
      return "GeneratedTokens is not a non-negative integer";
    }
    firstUs_ = std::min(firstUs_, *atUs);
    out.push_back(importedExchange(*atUs, input, output));
    return "";
  }

  int64_t originUnixUs() const override {
    return firstUs_ == std::numeric_limits<int64_t>::max() ? 0 : firstUs_;
  }

private:
  int64_t firstUs_ = std::numeric_limits<int64_t>::max();
};

} // namespace

RowParserPtr makeAzureParser() {
  return std::make_unique<AzureParser>();
}

} // namespace tt::replay
