#include "tgisim/server.h"

#include "core/simulator_info.h"
#include "core/tgi_error.h"
#include "core/uv_util.h"
#include "tgisim/api_request.h"
#include "tgisim/headers.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tt::tgisim {
namespace {

void reject(Connection& c, const TgiRejection& r) {
  c.sendResponse(r.status, corsHeaders({{"content-type", "text/plain; charset=utf-8"}}), r.body);
}

void jsonError(Connection& c, int status, std::string_view message, std::string_view type) {
  c.sendResponse(status, jsonHeaders({}), tgiErrorBody(message, type));
}

} // namespace

Server::Server(uv_loop_t& loop, ServerConfig config, const Clock& clock)
    : loop_(loop), config_(std::move(config)), clock_(clock),
      metrics_(config_.scheduler.maxInputTokens, config_.scheduler.maxTotalTokens),
      scheduler_(config_.scheduler, config_.costModel, sim::SchedulerOptions{.seed = config_.seed}),
      driver_(loop, clock, scheduler_, config_.timeScale, metrics_),
      seeds_(config_.seed), callContext_{.clock = clock_,
                                         .driver = driver_,
                                         .metrics = metrics_,
                                         .tokenizer = tokenizer_,
                                         .identity = config_.identity,
                                         .requestSeeds = seeds_,
                                         .textSeed = config_.seed,
                                         .eosProbability = config_.eosProbability,
                                         .prefixBlockTokens = config_.prefixBlockTokens} {
  driver_.setAfterDispatch([this] { freeRetired(); });
  metrics_.setGauge("tgi_batch_max_total_tokens",
                    static_cast<double>(config_.scheduler.maxBatchTotalTokens));
}

Server::~Server() {
  retired_.clear();
}

int Server::start(std::string* error) {
  int rc = listenTcp(&loop_, &listener_, config_.hostname, config_.port, 1024,
                     &Server::onConnection, &port_, error);
  listener_.data = this;
  ++openHandles_;
  if (rc != 0) {
    stop();
    return rc;
  }
  rc = driver_.init();
  if (rc != 0) {
    *error = "cannot create the forward timer: " + std::string(uv_strerror(rc));
    stop();
    return rc;
  }
  uv_timer_init(&loop_, &keepAliveTimer_);
  keepAliveTimer_.data = this;
  ++openHandles_;
  const double idleMs = config_.keepAliveSeconds * 1000.0 / config_.timeScale;
  const auto period = static_cast<uint64_t>(std::clamp(idleMs / 4.0, 1.0, 1000.0));
  uv_timer_start(&keepAliveTimer_, &Server::onKeepAliveTimer, period, period);
  started_ = true;
  return 0;
}

void Server::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  if (openHandles_ >= 1) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), &Server::onHandleClosed);
  }
  if (openHandles_ >= 2) {
    uv_close(reinterpret_cast<uv_handle_t*>(&keepAliveTimer_), &Server::onHandleClosed);
  }
  driver_.close();
  const std::vector<Connection*> open(connections_.begin(), connections_.end());
  for (Connection* c : open) {
    c->close();
  }
}

void Server::onHandleClosed(uv_handle_t* handle) {
  auto* self = static_cast<Server*>(handle->data);
  --self->openHandles_;
}

void Server::onConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0 || self->stopping_) {
    return;
  }
  auto* connection = new Connection(*self, self->config_.payloadLimit);
  connection->accept(listener);
}

void Server::onKeepAliveTimer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  const int64_t now = self->clock_.nowNs();
  const auto idleNs =
      static_cast<int64_t>(self->config_.keepAliveSeconds * 1e9 / self->config_.timeScale);
  const std::vector<Call*> streams(self->streams_.begin(), self->streams_.end());
  for (Call* call : streams) {
    call->keepAlive(now, idleNs);
  }
  self->freeRetired();
}

void Server::connectionOpened(Connection& connection) {
  connections_.insert(&connection);
}

void Server::connectionClosed(Connection& connection) {
  connections_.erase(&connection);
}

void Server::requestEnded(Connection& connection) {
  const auto it = calls_.find(&connection);
  if (it == calls_.end()) {
    return;
  }
  // Freed later (freeRetired): the call may be on the stack that ended it.
  streams_.erase(it->second.get());
  retired_.push_back(std::move(it->second));
  calls_.erase(it);
}

void Server::freeRetired() {
  // Only from callbacks at the top of the stack (forward end, timers, new connections): no
  // Call method is running then.
  retired_.clear();
}

void Server::request(Connection& c, const HttpHead& head, std::string_view body) {
  std::string_view path = head.target;
  if (const size_t q = path.find('?'); q != std::string_view::npos) {
    path = path.substr(0, q);
  }
  const std::string& method = head.method;
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  auto notAllowed = [&](std::string_view allow) {
    c.sendResponse(405, corsHeaders({{"allow", std::string(allow)}}), {});
  };

  if (path == "/health" || path == "/ping" || (path == "/" && get)) {
    if (!get) {
      return notAllowed("GET,HEAD");
    }
    return c.sendResponse(200, corsHeaders({}), {});
  }
  if (path == "/info") {
    if (!get) {
      return notAllowed("GET,HEAD");
    }
    nlohmann::ordered_json j;
    const sim::SchedulerConfig& s = config_.scheduler;
    j["model_id"] = config_.identity.modelId;
    j["model_sha"] = nullptr;
    j["model_pipeline_tag"] = "text-generation";
    j["max_concurrent_requests"] = s.maxConcurrentRequests;
    j["max_best_of"] = s.maxBestOf;
    j["max_stop_sequences"] = s.maxStopSequences;
    j["max_input_tokens"] = s.maxInputTokens;
    j["max_total_tokens"] = s.maxTotalTokens;
    j["validation_workers"] = 2;
    j["max_client_batch_size"] = config_.maxClientBatchSize;
    j["router"] = "text-generation-router";
    j["version"] = config_.identity.version;
    j["sha"] = nullptr;
    j["docker_label"] = nullptr;
    // Not TGI's: how the answers are timed, so that captures and replays of this server can be
    // read in its own time.
    j["simulator"] = SimulatorInfo{.timeScale = config_.timeScale}.toJson();
    return c.sendResponse(200, jsonHeaders({}), j.dump());
  }
  if (path == "/metrics") {
    if (!get) {
      return notAllowed("GET,HEAD");
    }
    return c.sendResponse(200, corsHeaders({{"content-type", "text/plain; charset=utf-8"}}),
                          metrics_.render());
  }
  if (path == "/v1/models") {
    if (!get) {
      return notAllowed("GET,HEAD");
    }
    nlohmann::ordered_json model;
    model["id"] = config_.identity.modelId;
    model["object"] = "model";
    model["created"] = 0;
    model["owned_by"] = config_.identity.modelId;
    nlohmann::ordered_json j;
    j["object"] = "list";
    j["data"] = nlohmann::ordered_json::array({model});
    return c.sendResponse(200, jsonHeaders({}), j.dump());
  }
  const bool postRoute = path == "/" || path == "/generate" || path == "/generate_stream" ||
                         path == "/v1/chat/completions" || path == "/v1/completions" ||
                         path == "/tokenize" || path == "/chat_tokenize";
  if (!postRoute) {
    return c.sendResponse(404, corsHeaders({}), {});
  }
  if (!post) {
    return notAllowed(path == "/" ? "GET,HEAD,POST" : "POST");
  }
  if (!isJsonContentType(head.find("content-type"))) {
    return reject(c, unsupportedMediaType());
  }
  if (path == "/tokenize" || path == "/chat_tokenize") {
    return handleTokenize(c, body, path);
  }
  handleGenerate(c, head, body, path);
}

// A chat body as TGI's chat handlers take it: counted in tgi_request_count once it reads, then
// mapped to a generation (try_into_generate), which refuses tools with a response_format. Answers
// a refusal itself and returns nothing.
std::optional<ChatRequest> Server::acceptChat(Connection& c, std::string_view body) {
  auto decoded = decodeChat(body);
  if (auto* r = std::get_if<TgiRejection>(&decoded)) {
    reject(c, *r);
    return std::nullopt;
  }
  metrics_.increment("tgi_request_count");
  auto& chat = std::get<ChatRequest>(decoded);
  if (chat.hasTools && chat.hasResponseFormat) {
    jsonError(c, 422, "Tool error: Grammar and tools are mutually exclusive", "tool_error");
    return std::nullopt;
  }
  return std::move(chat);
}

// The prompt's tokens as TGI's Infer::tokenize gives them: with the request's add_special_tokens
// and, when it sets parameters.truncate, only the last that many. /chat_tokenize maps the chat
// request as generation does (template applied, no special tokens added) and answers the
// templated text beside the tokens (docs/tgi.md, 1.1).
void Server::handleTokenize(Connection& c, std::string_view body, std::string_view path) {
  const bool chat = path == "/chat_tokenize";
  GenerateRequest request;
  if (chat) {
    std::optional<ChatRequest> chatRequest = acceptChat(c, body);
    if (!chatRequest) {
      return;
    }
    request = std::move(chatRequest->generate);
  } else {
    auto decoded = decodeGenerate(body, false);
    if (auto* r = std::get_if<TgiRejection>(&decoded)) {
      return reject(c, *r);
    }
    request = std::move(std::get<GenerateRequest>(decoded));
  }
  std::vector<TokenPiece> pieces = tokenizer_.encode(request.inputs, request.addSpecialTokens);
  const std::optional<int64_t> truncate = request.params.truncate;
  if (truncate && *truncate >= 0 && static_cast<size_t>(*truncate) < pieces.size()) {
    pieces.erase(pieces.begin(), pieces.end() - *truncate);
  }
  c.sendResponse(200, jsonHeaders({}),
                 chat ? chatTokenizeJson(pieces, request.inputs) : tokenizeJson(pieces));
}

void Server::handleGenerate(Connection& c, const HttpHead& /*head*/, std::string_view body,
                            std::string_view path) {
  const int64_t now = clock_.nowNs();
  auto launch = [&](GenerateRoute route, bool stream, std::vector<GenerateRequest> prompts,
                    std::string model, bool includeUsage) {
    auto call = std::make_unique<Call>(callContext_, c, route, stream, now);
    Call* raw = call.get();
    calls_[&c] = std::move(call);
    if (stream) {
      streams_.insert(raw);
    }
    raw->start(std::move(prompts), std::move(model), includeUsage);
  };
  auto modelName = [&](const std::optional<std::string>& model) {
    return model && *model != "tgi" ? *model : config_.identity.modelId;
  };

  if (path == "/v1/chat/completions") {
    std::optional<ChatRequest> chat = acceptChat(c, body);
    if (!chat) {
      return;
    }
    std::vector<GenerateRequest> prompts;
    prompts.push_back(std::move(chat->generate));
    return launch(GenerateRoute::Chat, chat->stream, std::move(prompts), modelName(chat->model),
                  chat->includeUsage);
  }
  if (path == "/v1/completions") {
    auto decoded = decodeCompletion(body);
    if (auto* r = std::get_if<TgiRejection>(&decoded)) {
      return reject(c, *r);
    }
    auto& completion = std::get<CompletionRequest>(decoded);
    metrics_.increment("tgi_request_count");
    if (completion.hasSuffix) {
      return jsonError(c, 422,
                       "Suffix is not supported and can be achieved by preprocessing the prompt.",
                       "suffix not supported");
    }
    if (static_cast<int64_t>(completion.prompts.size()) > config_.maxClientBatchSize) {
      return jsonError(c, 422,
                       "Number of prompts exceeds the maximum allowed batch size of " +
                           std::to_string(config_.maxClientBatchSize),
                       "batch size exceeded");
    }
    std::vector<GenerateRequest> prompts;
    for (auto& prompt : completion.prompts) {
      GenerateRequest g = completion.generate;
      g.inputs = std::move(prompt);
      g.params.emptyInputs = g.inputs.empty();
      g.params.decoderInputDetails = !completion.stream;
      prompts.push_back(std::move(g));
    }
    if (prompts.empty()) {
      return jsonError(c, 422, "Input validation error: `inputs` cannot be empty", "validation");
    }
    return launch(GenerateRoute::Completions, completion.stream, std::move(prompts),
                  modelName(completion.model), false);
  }
  const bool compat = path == "/";
  auto decoded = decodeGenerate(body, compat);
  if (auto* r = std::get_if<TgiRejection>(&decoded)) {
    return reject(c, *r);
  }
  auto& request = std::get<GenerateRequest>(decoded);
  metrics_.increment("tgi_request_count");
  const bool stream = path == "/generate_stream" || (compat && request.stream);
  const GenerateRoute route = path == "/generate_stream" ? GenerateRoute::GenerateStream
                              : compat                   ? GenerateRoute::Compat
                                                         : GenerateRoute::Generate;
  std::vector<GenerateRequest> prompts;
  prompts.push_back(std::move(request));
  launch(route, stream, std::move(prompts), {}, false);
}

} // namespace tt::tgisim
