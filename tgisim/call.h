#pragma once

#include "core/exchange.h"
#include "tgisim/api_request.h"
#include "tgisim/engine_driver.h"
#include "tgisim/filler.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::tgisim {

class Server;
class Connection;

// The routes that generate, and how each answers (docs/tgi.md, "Non-streaming answers",
// "Streaming bytes").
enum class GenerateRoute { Generate, Compat, GenerateStream, Chat, Completions };

// One HTTP request that generates: one sequence per prompt (completions may have several).
// Owned by its Connection; receives tokens from the EngineDriver and writes the answer as they
// come. When its connection goes away first, its requests are forgotten (counted as dropped).
class Call final : public TokenSink {
public:
  Call(Server& server, Connection& connection, GenerateRoute route, bool stream, int64_t nowNs);
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
    JobPlan::Finish endReason = JobPlan::Finish::EosToken; // eos or stop, when the plan ends early
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

  Server& server_;
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
