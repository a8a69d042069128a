#include "tgisim/call.h"

#include "core/rust_number.h"
#include "core/tgi_error.h"
#include "sim/prefix_hash.h"
#include "tgisim/api_response.h"
#include "tgisim/connection.h"
#include "tgisim/headers.h"

#include <ctime>

namespace tt::tgisim {
namespace {

bool isSampling(const sim::GenerateParams& p) {
  return p.doSample || (p.temperature && *p.temperature != 1.0) || p.topK || p.topP || p.typicalP;
}

// Where the filler text of a request ends early (EOS or a stop sequence), within `limit`
// tokens: 0 when it runs to the limit.
std::pair<int64_t, FinishReason> earlyEnd(FillerText text, const std::vector<std::string>& stop,
                                          int64_t limit) {
  std::string tail;
  for (int64_t i = 1; i <= limit; ++i) {
    const GenToken token = text.next();
    if (token.special) {
      return {i, FinishReason::EosToken};
    }
    tail += token.text;
    if (tail.size() > 300) {
      tail.erase(0, tail.size() - 200); // TGI keeps a 300 -> 200 character tail
    }
    for (const auto& s : stop) {
      if (!s.empty() && tail.ends_with(s)) {
        return {i, FinishReason::StopSequence};
      }
    }
  }
  return {0, FinishReason::Length};
}

} // namespace

Call::Call(const CallContext& context, Connection& connection, GenerateRoute route, bool stream,
           int64_t nowNs)
    : context_(context), connection_(connection), route_(route), stream_(stream), startNs_(nowNs),
      created_(static_cast<int64_t>(std::time(nullptr))), lastEventNs_(nowNs) {}

Call::~Call() {
  for (auto& s : sequences_) {
    if (s.id >= 0 && !s.done) {
      context_.driver.forget(s.id);
    }
  }
}

void Call::start(std::vector<GenerateRequest> prompts, std::string model, bool includeUsage) {
  model_ = std::move(model);
  includeUsage_ = includeUsage;
  const bool openAi = route_ == GenerateRoute::Chat || route_ == GenerateRoute::Completions;
  for (auto& p : prompts) {
    Sequence s;
    s.request = std::move(p);
    s.inputCharacters = 0;
    for (const unsigned char c : s.request.inputs) {
      s.inputCharacters += (c & 0xC0) != 0x80 ? 1 : 0;
    }
    sequences_.push_back(std::move(s));
  }
  if (stream_) {
    sendStreamHead();
    // Checked by generate_stream before anything else (docs/tgi.md, "Error bodies").
    const GenerateRequest& r = sequences_.front().request;
    if (!openAi && r.params.bestOf.value_or(1) != 1) {
      context_.metrics.increment("tgi_request_failure", "err=\"validation\"");
      fail(422, "Input validation error: `best_of` != 1 is not supported when streaming tokens",
           "validation");
      return;
    }
    if (!openAi && r.params.decoderInputDetails) {
      context_.metrics.increment("tgi_request_failure", "err=\"validation\"");
      fail(422,
           "Input validation error: `decoder_input_details` == true is not supported when "
           "streaming tokens",
           "validation");
      return;
    }
  }
  remaining_ = sequences_.size();
  for (uint32_t slot = 0; slot < sequences_.size(); ++slot) {
    if (openAi) {
      context_.metrics.increment("tgi_request_count"); // generate_internal counts again
    }
    std::string error;
    std::string errorType;
    int status = 0;
    if (!submit(sequences_[slot], slot, &error, &errorType, &status)) {
      fail(status, error, errorType);
      return;
    }
  }
}

bool Call::submit(Sequence& s, uint32_t slot, std::string* error, std::string* errorType,
                  int* status) {
  const sim::SchedulerConfig& config = context_.driver.scheduler().config();
  const GenerateRequest& r = s.request;
  Metrics& metrics = context_.metrics;
  const int64_t bestOf = r.params.bestOf.value_or(1);
  if (bestOf == 0 || bestOf > config.maxBestOf) {
    // validation.rs checks best_of first; sim's validation does not know max_best_of.
    *error =
        "Input validation error: `best_of` must be > 0 and <= " + std::to_string(config.maxBestOf) +
        ". Given: " + std::to_string(bestOf);
    *errorType = "validation";
    *status = 422;
    metrics.increment("tgi_request_failure", "err=\"validation\"");
    return false;
  }

  const Tokenizer& tokenizer = context_.tokenizer;
  const std::vector<TokenPiece> pieces = tokenizer.encode(r.inputs, r.addSpecialTokens);
  sim::RequestSpec spec;
  spec.inputTokens = static_cast<int64_t>(pieces.size());
  spec.params = r.params;
  if (context_.prefixBlockTokens > 0) {
    std::vector<uint32_t> ids;
    ids.reserve(pieces.size());
    for (const auto& piece : pieces) {
      ids.push_back(piece.id);
    }
    spec.blockHashes = sim::hashTokenBlocks(ids, context_.prefixBlockTokens);
    spec.hashBlockTokens = context_.prefixBlockTokens;
  }

  const bool sampling = isSampling(r.params);
  const uint64_t requestSeed = r.params.seed ? *r.params.seed : context_.requestSeeds.next();
  if (sampling) {
    s.seed = requestSeed;
  }
  const uint64_t textSeed = sampling ? mixSeed(context_.textSeed, requestSeed)
                                     : mixSeed(context_.textSeed, hashText(r.inputs));
  s.text = FillerText(textSeed, context_.eosProbability);

  // The plan: how far the text goes before EOS or a stop sequence, over every job the request
  // may take (continuations overshoot to a multiple of 1024 tokens, sim/README.md, "How long an
  // answer is").
  const sim::ValidationResult v = sim::validateRequest(config, r.params, spec.inputTokens);
  if (v.request && (context_.eosProbability > 0 || !r.params.stop.empty())) {
    const int64_t total = v.request->maxTotalNewTokens;
    const int64_t limit = r.params.maxNewTokens
                              ? (total + sim::kDefaultGenerationLength - 1) /
                                    sim::kDefaultGenerationLength * sim::kDefaultGenerationLength
                              : total;
    const auto [position, reason] = earlyEnd(s.text, r.params.stop, limit);
    spec.outputTokens = position;
    s.endReason = reason;
  }

  const int64_t now = context_.clock.nowNs();
  s.arrivalUs = context_.driver.arrivalUs(now);
  const sim::Admission admission = context_.driver.submit(spec, now, this, slot);
  switch (admission.status) {
  case sim::Submitted::Overloaded:
    *error = admission.error;
    *errorType = "overloaded";
    *status = 429;
    metrics.increment("tgi_request_failure", "err=\"overloaded\"");
    return false;
  case sim::Submitted::Invalid:
    *error = admission.error;
    *errorType = "validation";
    *status = 422;
    metrics.increment("tgi_request_failure", "err=\"validation\"");
    return false;
  case sim::Submitted::Queued:
    break;
  }
  s.id = admission.id;
  s.inputLength = v.request ? v.request->inputLength : spec.inputTokens;
  metrics.observe("tgi_request_input_length", static_cast<double>(s.inputLength));
  metrics.observe("tgi_request_max_new_tokens",
                  static_cast<double>(v.request ? v.request->maxNewTokensChunk : 0));
  return true;
}

void Call::sendStreamHead() {
  headSent_ = true;
  connection_.startStream(
      200, {{"content-type", "text/event-stream"},
            {"cache-control", "no-cache"},
            {"x-compute-type", "gpu+optimized"},
            {"x-compute-characters",
             std::to_string(sequences_.empty() ? 0 : sequences_.front().inputCharacters)},
            {"x-accel-buffering", "no"},
            {"vary", kVary},
            {"access-control-allow-origin", "*"}});
}

void Call::sendEvent(const std::string& data) {
  std::string event;
  appendSseData(event, data);
  connection_.sendChunk(event);
  // The time of the callback in progress (read once there), not a fresh clock read per event.
  lastEventNs_ = std::max(startNs_, context_.driver.lastCallbackNs());
}

void Call::keepAlive(int64_t nowNs, int64_t idleNs) {
  if (streaming() && nowNs - lastEventNs_ >= idleNs) {
    connection_.sendChunk(":\n\n");
    lastEventNs_ = nowNs;
  }
}

void Call::fail(int status, const std::string& message, const std::string& errorType) {
  finished_ = true;
  for (auto& s : sequences_) {
    if (s.id >= 0 && !s.done) {
      context_.driver.forget(s.id);
      s.done = true; // forgotten: the destructor has nothing left to do
    }
  }
  const bool openAi = route_ == GenerateRoute::Chat || route_ == GenerateRoute::Completions;
  if (stream_) {
    if (openAi) {
      sendEvent(tgiOpenAiStreamError(message));
      sendEvent("[DONE]");
    } else {
      sendEvent(tgiErrorBody(message, errorType));
    }
    connection_.endStream();
    return;
  }
  connection_.sendResponse(status, jsonHeaders({}), tgiErrorBody(message, errorType));
}

void Call::onToken(uint32_t slot, const sim::TokenEvent& event, int64_t endUs) {
  if (finished_ || slot >= sequences_.size()) {
    return;
  }
  Sequence& s = sequences_[slot];
  GenToken token = s.text.next();
  ++s.generated;
  if (!token.special) {
    s.generatedText += token.text;
  }
  if (event.last) {
    s.done = true;
    s.endUs = endUs;
    s.finishReason = event.reason == sim::FinishReason::Length
                         ? std::string("length")
                         : std::string(finishReasonName(s.endReason));
  }
  if (stream_) {
    switch (route_) {
    case GenerateRoute::Generate:
    case GenerateRoute::Compat:
    case GenerateRoute::GenerateStream: {
      if (!event.last) {
        sendEvent(streamTokenJson(s.generated, token, nullptr, nullptr));
        break;
      }
      const bool fullText =
          s.request.params.returnFullText.value_or(route_ == GenerateRoute::Compat);
      const std::string text = fullText ? s.request.inputs + s.generatedText : s.generatedText;
      const SequenceEnd end{.finishReason = s.finishReason,
                            .generatedTokens = s.generated,
                            .seed = s.seed,
                            .inputLength = s.inputLength};
      sendEvent(
          streamTokenJson(s.generated, token, &text, s.request.params.details ? &end : nullptr));
      break;
    }
    case GenerateRoute::Chat:
      sendEvent(chatChunkJson(context_.identity, model_, created_, token,
                              event.last ? s.finishReason : std::string()));
      break;
    case GenerateRoute::Completions:
      sendEvent(event.last ? completionFinalJson(context_.identity, model_, created_, slot, token,
                                                 s.finishReason, s.inputLength, s.generated)
                           : completionChunkJson(context_.identity, model_, created_, slot, token));
      break;
    }
  } else if (s.request.params.details || s.request.params.decoderInputDetails) {
    s.tokens.push_back(std::move(token));
  }
  if (event.last) {
    finishSequence(s);
    completionOrder_.push_back(slot);
    if (--remaining_ == 0) {
      finished_ = true;
      if (stream_) {
        if (route_ == GenerateRoute::Chat && includeUsage_) {
          sendEvent(
              chatUsageChunkJson(context_.identity, model_, created_, s.inputLength, s.generated));
        }
        if (route_ == GenerateRoute::Chat || route_ == GenerateRoute::Completions) {
          sendEvent("[DONE]");
        }
        connection_.endStream();
      } else {
        answer();
      }
    }
  }
}

void Call::finishSequence(Sequence& s) {
  Metrics& m = context_.metrics;
  const sim::Scheduler& scheduler = context_.driver.scheduler();
  const int64_t admitted = std::max(scheduler.admittedUs(s.id), s.arrivalUs);
  const int64_t total = s.endUs - s.arrivalUs;
  const int64_t inference = s.endUs - admitted;
  m.increment("tgi_request_success");
  m.observe("tgi_request_duration", static_cast<double>(total) / 1e6);
  m.observe("tgi_request_validation_duration", 0.0);
  m.observe("tgi_request_queue_duration", static_cast<double>(admitted - s.arrivalUs) / 1e6);
  m.observe("tgi_request_inference_duration", static_cast<double>(inference) / 1e6);
  m.observe("tgi_request_mean_time_per_token_duration",
            static_cast<double>(inference) / 1e6 /
                static_cast<double>(std::max<int64_t>(s.generated, 1)));
  m.observe("tgi_request_generated_tokens", static_cast<double>(s.generated));
}

Headers Call::timingHeaders() const {
  const sim::Scheduler& scheduler = context_.driver.scheduler();
  int64_t total = 0;
  int64_t perToken = 0;
  int64_t characters = 0;
  int64_t prompt = 0;
  int64_t generated = 0;
  int64_t totalMs = 0;
  int64_t queueMs = 0;
  int64_t inferenceMs = 0;
  for (const auto& s : sequences_) {
    const int64_t admitted = std::max(scheduler.admittedUs(s.id), s.arrivalUs);
    const int64_t t = s.endUs - s.arrivalUs;
    const int64_t inf = s.endUs - admitted;
    total += t;
    totalMs += t / 1000;
    queueMs += (admitted - s.arrivalUs) / 1000;
    inferenceMs += inf / 1000;
    perToken += inf / std::max<int64_t>(s.generated, 1) / 1000;
    characters += s.inputCharacters;
    prompt += s.inputLength;
    generated += s.generated;
  }
  Headers h;
  h.emplace_back("x-compute-type", "gpu+optimized");
  if (route_ != GenerateRoute::Completions) {
    h.emplace_back("x-compute-time", rustNumber(static_cast<double>(total) / 1e6));
  }
  h.emplace_back("x-compute-characters", std::to_string(characters));
  h.emplace_back("x-total-time", std::to_string(totalMs));
  h.emplace_back("x-validation-time", "0");
  h.emplace_back("x-queue-time", std::to_string(queueMs));
  h.emplace_back("x-inference-time", std::to_string(inferenceMs));
  h.emplace_back("x-time-per-token", std::to_string(perToken));
  h.emplace_back("x-prompt-tokens", std::to_string(prompt));
  h.emplace_back("x-generated-tokens", std::to_string(generated));
  return h;
}

void Call::answer() {
  std::string body;
  const Sequence& first = sequences_.front();
  switch (route_) {
  case GenerateRoute::Generate:
  case GenerateRoute::Compat:
  case GenerateRoute::GenerateStream: {
    const bool fullText =
        first.request.params.returnFullText.value_or(route_ == GenerateRoute::Compat);
    const std::string text =
        fullText ? first.request.inputs + first.generatedText : first.generatedText;
    const SequenceEnd end{.finishReason = first.finishReason,
                          .generatedTokens = first.generated,
                          .seed = first.seed,
                          .inputLength = first.inputLength};
    const bool details = first.request.params.details || first.request.params.decoderInputDetails;
    body = generateResponseJson(text, details ? &end : nullptr, first.tokens);
    if (route_ == GenerateRoute::Compat) {
      body = "[" + body + "]";
    }
    break;
  }
  case GenerateRoute::Chat:
    body = chatCompletionJson(context_.identity, model_, created_, first.generatedText,
                              first.finishReason, first.inputLength, first.generated);
    break;
  case GenerateRoute::Completions: {
    std::vector<CompletionChoice> choices;
    for (const size_t i : completionOrder_) {
      const Sequence& s = sequences_[i];
      choices.push_back({.index = i,
                         .text = s.generatedText,
                         .finishReason = s.finishReason,
                         .promptTokens = s.inputLength,
                         .completionTokens = s.generated});
    }
    body = completionJson(context_.identity, model_, created_, choices);
    break;
  }
  }
  connection_.sendResponse(200, jsonHeaders(timingHeaders()), body);
}

} // namespace tt::tgisim
