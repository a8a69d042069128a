#pragma once

#include "core/clock.h"
#include "core/exchange.h"
#include "core/http_parser.h"
#include "sim/config.h"
#include "sim/cost_model.h"
#include "sim/scheduler.h"
#include "tgisim/api_request.h"
#include "tgisim/api_response.h"
#include "tgisim/call.h"
#include "tgisim/connection.h"
#include "tgisim/engine_driver.h"
#include "tgisim/filler.h"
#include "tgisim/metrics.h"
#include "tgisim/tokenizer.h"

#include <uv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tt::tgisim {

// Everything a server needs, decided before it starts (options.h builds it from flags).
struct ServerConfig {
  std::string hostname = "0.0.0.0";
  int port = 3000;
  sim::SchedulerConfig scheduler;
  sim::CostModel costModel;
  ServerIdentity identity;
  double timeScale = 1.0;    // virtual seconds per real second
  uint64_t seed = 0;         // generated text, random request seeds
  double eosProbability = 0; // per token after the first; 0: never
  uint64_t payloadLimit = 2'000'000;
  int64_t maxClientBatchSize = 4;
  int64_t prefixBlockTokens = 16; // prompt tokens per prefix id (0: every prompt its own)
  double keepAliveSeconds = 15;   // axum's SSE keep-alive, in virtual time
};

// The simulated TGI server on one libuv loop: a listener, its connections, the scheduler in
// real time and the metric registry. No globals: tests run several in one process.
class Server final : private ConnectionEvents {
public:
  Server(uv_loop_t& loop, ServerConfig config, const Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns 0, or a libuv error with `error` set to one line.
  int start(std::string* error);
  int port() const { return port_; }
  // Closes the listener, every connection and timer; the loop then runs out.
  void stop();

  const ServerConfig& config() const { return config_; }
  const ServerIdentity& identity() const { return config_.identity; }
  const Clock& clock() const { return clock_; }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  Metrics& metrics() { return metrics_; }
  EngineDriver& driver() { return driver_; }
  size_t connections() const { return connections_.size(); }

private:
  void connectionOpened(Connection& connection) override;
  void connectionClosed(Connection& connection) override;
  void request(Connection& connection, const HttpHead& head, std::string_view body) override;
  void requestEnded(Connection& connection) override;

  static void onConnection(uv_stream_t* listener, int status);
  static void onKeepAliveTimer(uv_timer_t* timer);
  static void onHandleClosed(uv_handle_t* handle);

  void handleGenerate(Connection& connection, const HttpHead& head, std::string_view body,
                      std::string_view path);
  void handleTokenize(Connection& connection, std::string_view body, std::string_view path);
  std::optional<ChatRequest> acceptChat(Connection& connection, std::string_view body);
  void freeRetired();

  uv_loop_t& loop_;
  ServerConfig config_;
  const Clock& clock_;
  Tokenizer tokenizer_;
  Metrics metrics_;
  sim::Scheduler scheduler_;
  EngineDriver driver_;
  SplitMix seeds_;
  CallContext callContext_;
  uv_tcp_t listener_{};
  uv_timer_t keepAliveTimer_{};
  int openHandles_ = 0;
  int port_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  std::set<Connection*> connections_;
  std::unordered_map<Connection*, std::unique_ptr<Call>> calls_; // each connection's call
  std::set<Call*> streams_;
  std::vector<std::unique_ptr<Call>> retired_;
};

} // namespace tt::tgisim
