#include "tune/what_if.h"

#include "core/enum_names.h"
#include "core/tgi_request.h"
#include "replay/request_builder.h"
#include "schema/trace_parameters.h"

#include <array>
#include <map>
#include <string>
#include <utility>

namespace tt::tune {
namespace {

// TGI's finish_reason for the ends the scheduler model knows.
constexpr std::array kFinishReasonNames{
    std::pair{sim::FinishReason::Length, std::string_view{"length"}},
    std::pair{sim::FinishReason::EosToken, std::string_view{"eos_token"}},
};

// Whether the recorded answer stopped before its limit: a finish reason other than `length`
// (end of sequence, a stop sequence), or, with none recorded, a complete answer of fewer tokens
// than `asked` (or with no max_new_tokens asked for). Only then does the simulated model stop
// there again; otherwise it goes on and TGI's length limit decides, which past 1,024 new tokens
// is the next multiple of 1,024 (sim/README.md, "How long an answer is").
bool endedOnItsOwn(const Exchange& e, int64_t generated, std::optional<int64_t> asked) {
  if (generated <= 0 || e.finishReason == "length") {
    return false;
  }
  if (e.finishReason && !e.finishReason->empty()) {
    return true;
  }
  return e.outcome == Outcome::Ok && (!asked || generated < *asked);
}

} // namespace

int64_t blockTokensOf(const TraceInfo& trace) {
  return storedBlockTokens(trace.parametersJson).value_or(0);
}

int64_t generatedTokensOf(const Exchange& e) {
  return e.outputTokens.value_or(static_cast<int64_t>(e.tokenTimesUs.size()));
}

int64_t promptTokensOf(const Exchange& e) {
  if (e.inputTokens) {
    return *e.inputTokens;
  }
  if (e.tgi.promptTokens) {
    return *e.tgi.promptTokens;
  }
  return e.inputBytes ? estimatedTokens(*e.inputBytes) : 1;
}

std::vector<replay::PlanSource> planSources(std::span<const Exchange> source) {
  std::map<std::string, int64_t> sessions;
  std::vector<replay::PlanSource> out;
  out.reserve(source.size());
  for (const Exchange& e : source) {
    int64_t session = -1;
    if (e.session) {
      session = sessions.emplace(*e.session, static_cast<int64_t>(sessions.size())).first->second;
    }
    out.push_back({e.intendedUs.value_or(e.sentUs), session});
  }
  return out;
}

std::vector<sim::EngineRequest> engineRequests(std::span<const Exchange> source,
                                               const replay::Plan& plan, int64_t blockTokens) {
  std::vector<sim::EngineRequest> requests;
  requests.reserve(plan.requests.size());
  for (const auto& planned : plan.requests) {
    const Exchange& e = source[planned.source];
    sim::EngineRequest r;
    r.arrivalUs = planned.intendedUs;
    r.spec.inputTokens = promptTokensOf(e);
    // What a replay asks for, so that a what-if and a replay against tgi-sim agree.
    r.spec.params.maxNewTokens = replay::sentMaxNewTokens(e, {});
    const int64_t generated = generatedTokensOf(e);
    if (endedOnItsOwn(e, generated, r.spec.params.maxNewTokens)) {
      r.spec.outputTokens = generated;
    }
    if (blockTokens > 0 && !e.prefixHashIds.empty()) {
      // Copies of a trace share prefixes with the original, as the same users would.
      r.spec.blockHashes.assign(e.prefixHashIds.begin(), e.prefixHashIds.end());
      r.spec.hashBlockTokens = blockTokens;
    }
    requests.push_back(std::move(r));
  }
  return requests;
}

Exchange simulatedExchange(const Exchange& s, sim::RequestResult&& r) {
  Exchange e;
  e.sourceRequestId = s.id;
  e.session = s.session;
  e.intendedUs = r.arrivalUs;
  e.sentUs = r.arrivalUs;
  e.method = s.method;
  e.path = s.path;
  e.endpoint = s.endpoint;
  e.stream = s.stream;
  e.inputBytes = s.inputBytes;
  e.inputTokens = promptTokensOf(s);
  e.maxNewTokens = replay::sentMaxNewTokens(s, {});
  e.parameters = s.parameters;
  e.prefixHashIds = s.prefixHashIds;
  switch (r.outcome) {
  case sim::Outcome::Ok:
    e.status = 200;
    e.outcome = Outcome::Ok;
    // A stream's headers leave at once; a plain answer's with its body.
    e.responseHeadersUs = s.stream ? r.arrivalUs : r.endUs;
    e.outputTokens = r.tokens;
    e.tokenTimesUs = std::move(r.tokenUs);
    e.endUs = r.endUs;
    e.finishReason = std::string(nameOf(kFinishReasonNames, r.finish));
    e.tgi.queueUs = r.admittedUs - r.arrivalUs;
    e.tgi.inferenceUs = r.endUs - r.admittedUs;
    e.tgi.promptTokens = e.inputTokens;
    e.tgi.generatedTokens = e.outputTokens;
    break;
  case sim::Outcome::Overloaded:
  case sim::Outcome::Invalid:
    e.status = r.outcome == sim::Outcome::Overloaded ? 429 : 422;
    e.outcome = Outcome::HttpError;
    e.responseHeadersUs = r.arrivalUs;
    e.endUs = r.arrivalUs;
    e.error = r.error;
    break;
  case sim::Outcome::Unfinished:
    e.outcome = Outcome::Timeout;
    e.error = "never scheduled: the request needs more KV cache than the server has";
    break;
  }
  return e;
}

} // namespace tt::tune
