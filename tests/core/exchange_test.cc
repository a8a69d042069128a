#include "core/exchange.h"

#include <catch2/catch.hpp>

using namespace tt;

TEST_CASE("outcome names round-trip and unknown names are refused") {
  for (Outcome o : {Outcome::Ok, Outcome::HttpError, Outcome::UpstreamError, Outcome::ClientAbort,
                    Outcome::Timeout, Outcome::Truncated}) {
    CHECK(outcomeFromName(outcomeName(o)) == o);
  }
  CHECK(outcomeName(Outcome::ClientAbort) == "client_abort");
  CHECK_FALSE(outcomeFromName("fine").has_value());
}

TEST_CASE("endpoint names round-trip and unknown names are refused") {
  for (Endpoint e : {Endpoint::Generate, Endpoint::GenerateStream, Endpoint::Compat, Endpoint::Chat,
                     Endpoint::Completions, Endpoint::Tokenize, Endpoint::Other}) {
    CHECK(endpointFromName(endpointName(e)) == e);
  }
  CHECK(endpointName(Endpoint::GenerateStream) == "generate_stream");
  CHECK_FALSE(endpointFromName("").has_value());
}
