#pragma once

#include "core/clock.h"
#include "core/exchange.h"
#include "tgisim/api_request.h"
#include "tgisim/api_response.h"
#include "tgisim/engine_driver.h"
#include "tgisim/filler.h"
#include "tgisim/metrics.h"
#include "tgisim/tokenizer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::tgisim {

class Connection;

// What a Call uses of the server it runs in. The server hands it in, so a call never reaches
// back up to the server.
struct CallContext {
  const Clock& clock;
  EngineDriver& driver;
  Metrics& metrics;
  const Tokenizer& tokenizer;
  const ServerIdentity& identity;
  SplitMix& requestSeeds;    // the seed of a request that gives none
  uint64_t textSeed = 0;     // ServerConfig::seed
  double eosProbability = 0; // ServerConfig::eosProbability
  int64_t prefixBlockTokens = 0;
};

// The routes that generate, and how each answers (docs/tgi.md, "Non-streaming answers",
// "Streaming bytes").
enum class GenerateRoute { Generate, Compat, GenerateStream, Chat, Completions };

// One HTTP request that generates: one sequence per prompt (completions may have several).
// Owned by the server while its connection answers it; receives tokens from the EngineDriver and
// writes the answer as they come. When its connection goes away first, its requests are forgotten
// (counted as dropped).
class Call final : public TokenSink {
public:
  Call(const CallContext& context, Connection& connection, GenerateRoute route, bool stream,
       int64_t nowNs);
  ~Call() override;
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // `model` is the name the OpenAI routes echo; `includeUsage` the chat stream option.
  void start(std::vector<GenerateRequest> prompts, std::string model, bool includeUsage);
  void onToken(uint32_t slot, const sim::TokenEvent& event, int64_t endUs) override;

  bool streaming() const { return stream_ && headSent_ && !finished_; }
  // Sends TGI's keep-alive comment when no event left for `idleNs` (axum's 15 s, scaled).
  void keepAlive(int64_t nowNs, int64_t idleNs);

private:
  struct Sequence {
    GenerateRequest request;
    sim::RequestId id = -1;
    int64_t inputLength = 0;
    int64_t inputCharacters = 0;
    std::optional<uint64_t> seed; // shown in details when sampling
    FillerText text{0, 0};
    FinishReason endReason = FinishReason::EosToken; // eos or stop, when the plan ends early
    int64_t arrivalUs = 0;
    int64_t endUs = 0;
    int64_t generated = 0;
    std::string generatedText;
    std::vector<GenToken> tokens; // kept for non-streaming details
    std::string finishReason;
    bool done = false;
  };

  // Validation and admission of one prompt; returns an error body's message and kind on failure.
  bool submit(Sequence& s, uint32_t slot, std::string* error, std::string* errorType, int* status);
  void fail(int status, const std::string& message, const std::string& errorType);
  void sendStreamHead();
  void sendEvent(const std::string& data);
  void finishSequence(Sequence& s);
  void answer(); // non-streaming: every sequence is done
  Headers timingHeaders() const;

  const CallContext& context_;
  Connection& connection_;
  GenerateRoute route_;
  bool stream_;
  int64_t startNs_;
  int64_t created_ = 0;
  std::string model_;
  bool includeUsage_ = false;
  std::vector<Sequence> sequences_;
  std::vector<size_t> completionOrder_;
  size_t remaining_ = 0;
  int64_t lastEventNs_ = 0;
  bool headSent_ = false;
  bool finished_ = false;
};

} // namespace tt::tgisim
