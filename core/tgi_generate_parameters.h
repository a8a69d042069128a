#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt {

// TGI's GenerateParameters (docs/tgi.md, "Request parameters") as a request gives them, after its
// route's mapping; unset = absent or null. core/tgi_request_body.h reads them, sim/validation.h
// checks them as TGI's validation does, and tgi-sim answers with them. A header of its own, so
// that the scheduler model can take them without the JSON reader.
struct TgiGenerateParameters {
  std::optional<int64_t> bestOf;
  std::optional<double> temperature;
  std::optional<double> repetitionPenalty;
  std::optional<double> frequencyPenalty;
  std::optional<int64_t> topK;
  std::optional<double> topP;
  std::optional<double> typicalP;
  bool doSample = false;
  std::optional<int64_t> maxNewTokens; // any integer as written: TGI refuses all but a u32
  std::optional<bool> returnFullText;
  std::vector<std::string> stop;
  std::optional<int64_t> truncate;
  bool details = false;
  bool decoderInputDetails = false;
  std::optional<uint64_t> seed;
  std::optional<int64_t> topNTokens;
};

} // namespace tt
