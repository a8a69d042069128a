#include "replay/trace_format.h"

#include <array>
#include <utility>

namespace tt::replay {
namespace {

constexpr std::array<std::pair<TraceFormat, std::string_view>, 5> kNames{{
    {TraceFormat::Mooncake, "mooncake"},
    {TraceFormat::Azure, "azure"},
    {TraceFormat::Aiperf, "aiperf"},
    {TraceFormat::Weka, "weka"},
    {TraceFormat::Tracetune, "tracetune"},
}};

} // namespace

std::string_view traceFormatName(TraceFormat format) {
  for (const auto& [f, name] : kNames) {
    if (f == format) {
      return name;
    }
  }
  return "unknown";
}

std::optional<TraceFormat> traceFormatFromName(std::string_view name) {
  for (const auto& [f, n] : kNames) {
    if (n == name) {
      return f;
    }
  }
  return std::nullopt;
}

int blockTokensFor(TraceFormat format) {
  switch (format) {
  case TraceFormat::Mooncake:
  case TraceFormat::Aiperf:
    return 512;
  case TraceFormat::Weka:
    return 64;
  case TraceFormat::Azure:
  case TraceFormat::Tracetune:
    return 0;
  }
  return 0;
}

} // namespace tt::replay
