#include "core/exchange.h"

#include "core/enum_names.h"

#include <array>

namespace tt {
namespace {

constexpr std::array kOutcomeNames{
    std::pair{Outcome::Ok, std::string_view{"ok"}},
    std::pair{Outcome::HttpError, std::string_view{"http_error"}},
    std::pair{Outcome::UpstreamError, std::string_view{"upstream_error"}},
    std::pair{Outcome::ClientAbort, std::string_view{"client_abort"}},
    std::pair{Outcome::Timeout, std::string_view{"timeout"}},
    std::pair{Outcome::Truncated, std::string_view{"truncated"}},
};

constexpr std::array kEndpointNames{
    std::pair{Endpoint::Generate, std::string_view{"generate"}},
    std::pair{Endpoint::GenerateStream, std::string_view{"generate_stream"}},
    std::pair{Endpoint::Compat, std::string_view{"compat"}},
    std::pair{Endpoint::Chat, std::string_view{"chat"}},
    std::pair{Endpoint::Completions, std::string_view{"completions"}},
    std::pair{Endpoint::Tokenize, std::string_view{"tokenize"}},
    std::pair{Endpoint::Other, std::string_view{"other"}},
};

} // namespace

std::string_view outcomeName(Outcome outcome) {
  return nameOf(kOutcomeNames, outcome);
}
std::optional<Outcome> outcomeFromName(std::string_view name) {
  return valueOf<Outcome>(kOutcomeNames, name);
}
bool isGeneration(Endpoint endpoint) {
  return endpoint != Endpoint::Tokenize && endpoint != Endpoint::Other;
}

std::string_view endpointName(Endpoint endpoint) {
  return nameOf(kEndpointNames, endpoint);
}
std::optional<Endpoint> endpointFromName(std::string_view name) {
  return valueOf<Endpoint>(kEndpointNames, name);
}

} // namespace tt
