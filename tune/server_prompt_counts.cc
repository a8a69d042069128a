#include "tune/server_prompt_counts.h"

#include "core/clock.h"
#include "core/tgi_request_body.h"
#include "core/url.h"
#include "replay/preflight.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace tt::tune {
namespace {

using json = nlohmann::json;

// A prompt to count: where its count goes, and what to send.
struct Pending {
  CapturedRequest* request = nullptr;
  TokenizeRequest tokenize;
};

// The token count in a /tokenize answer, or why there is none.
std::optional<int64_t> tokenCount(const Exchange& e, std::string& why) {
  if (e.outcome != Outcome::Ok) {
    why = e.error.empty() ? "no answer" : e.error;
    return std::nullopt;
  }
  if (e.status != 200) {
    why = "HTTP " + std::to_string(e.status.value_or(0));
    return std::nullopt;
  }
  // /tokenize answers the token list; /chat_tokenize an object that holds it (docs/tgi.md, 1.1).
  const auto answer = json::parse(e.responseBody, nullptr, false);
  const json* tokens = &answer;
  if (answer.is_object() && answer.contains("tokenize_response")) {
    tokens = &answer["tokenize_response"];
  }
  if (!tokens->is_array()) {
    why = "the answer is not a token list";
    return std::nullopt;
  }
  return static_cast<int64_t>(tokens->size());
}

} // namespace

std::optional<TokenizeRequest> tokenizeRequestFor(Endpoint endpoint, std::string_view body) {
  // Read as the server read it: a body TGI refused generated nothing to count.
  const TgiRequest request = decodeTgiRequest(endpoint, body);
  if (request.rejection) {
    return std::nullopt;
  }
  if (endpoint == Endpoint::Chat) {
    return TokenizeRequest{.path = "/chat_tokenize", .body = std::string(body)};
  }
  // One completions prompt is one sequence with added special tokens, as /tokenize counts it;
  // several are several sequences, each of its own size.
  const TgiPrompt& prompt = request.prompt;
  const bool onePromptInAList = prompt.texts && prompt.texts->size() == 1 && prompt.texts->front();
  const std::optional<std::string>& text = onePromptInAList ? prompt.texts->front() : prompt.text;
  if (!text || !isGeneration(endpoint)) {
    return std::nullopt;
  }
  json tokenize = {{"inputs", *text}};
  // /tokenize honours it as generation does (GenerateRequest's, default true; `/` has none).
  if (request.addSpecialTokens) {
    tokenize["add_special_tokens"] = *request.addSpecialTokens;
  }
  return TokenizeRequest{
      .path = "/tokenize", .body = tokenize.dump(), .truncate = request.parameters.truncate};
}

TokenizeOutcome countPromptsWithServer(Store& store, CapturedTraffic& traffic,
                                       const TokenizeOptions& options) {
  const auto parsed = parseHttpUrl(options.url);
  if (!parsed.url) {
    throw CalibrationError("--tokenize-url " + options.url + ": " + parsed.error);
  }
  const HttpUrl& target = *parsed.url;
  sockaddr_storage address{};
  std::string error;
  if (replay::resolveTarget(target, address, error) != 0) {
    throw CalibrationError("--tokenize-url " + options.url + ": " + error);
  }

  TokenizeOutcome outcome;
  std::vector<Pending> pending;
  auto body = store.db().prepare("SELECT endpoint, request_body FROM requests WHERE id = ?");
  for (CapturedRequest& r : traffic.requests) {
    if (r.tokenUs.empty() || (r.promptTokens && !r.promptEstimated)) {
      continue; // not streamed, or counted by the server already
    }
    body.reset();
    body.bind(1, r.id);
    if (!body.step()) {
      continue;
    }
    const auto endpoint = endpointFromName(body.text(0));
    auto request =
        endpoint && !body.isNull(1) ? tokenizeRequestFor(*endpoint, body.text(1)) : std::nullopt;
    if (!request) {
      ++outcome.noPrompt;
      continue;
    }
    pending.push_back({&r, std::move(*request)});
  }
  if (pending.empty()) {
    estimatePromptsFromBytes(traffic);
    return outcome;
  }

  MonotonicClock clock;
  const auto count = [&](const Pending& p, std::string& why) {
    const std::optional<int64_t> tokens =
        tokenCount(replay::fetchOnce(target, address, clock, "POST", p.tokenize.path,
                                     p.tokenize.body, options.timeoutMs),
                   why);
    if (!tokens) {
      why = "POST " + target.prefix + p.tokenize.path + ": " + why;
    }
    return tokens;
  };
  const auto refuse = [&](const std::string& why) {
    return CalibrationError("--tokenize-url " + options.url + " did not count a prompt (" + why +
                            "): give the address of a TGI serving the captured model, or leave "
                            "the option out to size prompts from the capture");
  };
  // The first alone, so that an address that does not answer costs one timeout, not one per
  // connection.
  std::vector<std::optional<int64_t>> counts(pending.size());
  std::string why;
  counts[0] = count(pending[0], why);
  if (!counts[0]) {
    throw refuse(why);
  }
  std::atomic<size_t> next = 1;
  std::atomic<bool> failed = false;
  std::mutex firstFailure;
  std::string failure;
  const auto work = [&] {
    std::string reason;
    for (size_t i = next++; i < pending.size() && !failed; i = next++) {
      counts[i] = count(pending[i], reason);
      if (!counts[i]) {
        const std::lock_guard lock(firstFailure);
        if (!failed.exchange(true)) {
          failure = reason;
        }
      }
    }
  };
  std::vector<std::thread> workers;
  const auto connections = static_cast<size_t>(std::max(1, options.connections));
  for (size_t w = 0; w < std::min(connections, pending.size() - 1); ++w) {
    workers.emplace_back(work);
  }
  for (auto& w : workers) {
    w.join();
  }
  if (failed) {
    throw refuse(failure);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    CapturedRequest& r = *pending[i].request;
    const int64_t tokens = *counts[i];
    r.promptTokens =
        pending[i].tokenize.truncate ? std::min(tokens, *pending[i].tokenize.truncate) : tokens;
    r.promptEstimated = false;
    r.promptTokenized = true;
    outcome.chat += pending[i].tokenize.path == "/chat_tokenize" ? 1 : 0;
  }
  outcome.tokenized = static_cast<int64_t>(pending.size());
  estimatePromptsFromBytes(traffic);
  return outcome;
}

} // namespace tt::tune
