#include "replay/preflight.h"

#include "core/http_client_connection.h"
#include "core/uv_util.h"
#include "replay/request_builder.h"
#include "replay/response_reader.h"

#include <nlohmann/json.hpp>
#include <uv.h>

#include <cmath>
#include <cstring>
#include <memory>

namespace tt::replay {
namespace {

// Owns one connection for one request on a private loop.
class OneShot final : public HttpClientConnectionOwner {
public:
  OneShot(uv_loop_t* loop, const Clock& clock, Exchange& exchange, std::string wire,
          uint64_t timeoutMs)
      : clock_(clock), exchange_(exchange), wire_(std::move(wire)), timeoutMs_(timeoutMs),
        reader_(exchange, 0),
        connection_(std::make_unique<HttpClientConnection>(loop, *this, clock)) {}

  void start(const sockaddr_storage& address) {
    connection_->connect(reinterpret_cast<const sockaddr*>(&address));
  }

  void onConnected(HttpClientConnection& connection, int status) override {
    if (status != 0) {
      reader_.fail(Outcome::UpstreamError, uv_strerror(status), clock_.nowNs());
      return;
    }
    exchange_.sentUs = clock_.nowUs();
    connection.send(std::move(wire_), reader_, timeoutMs_);
  }
  void onRequestDone(HttpClientConnection& connection) override { connection.close(); }
  // The whole exchange (connect included) took too long.
  void expire() {
    reader_.fail(Outcome::Timeout, "no answer within the time limit", clock_.nowNs());
    connection_->close();
  }
  void onClosed(HttpClientConnection&) override {}

private:
  const Clock& clock_;
  Exchange& exchange_;
  std::string wire_;
  uint64_t timeoutMs_;
  ResponseReader reader_;
  std::unique_ptr<HttpClientConnection> connection_;
};

int64_t tokenCount(const Exchange& e) {
  if (e.outcome != Outcome::Ok || e.status != 200) {
    return -1;
  }
  const auto json = nlohmann::json::parse(e.responseBody, nullptr, false);
  return json.is_array() ? static_cast<int64_t>(json.size()) : -1;
}

} // namespace

int resolveTarget(const HttpUrl& target, sockaddr_storage& address, std::string& error) {
  std::memset(&address, 0, sizeof address);
  if (uv_ip4_addr(target.host.c_str(), target.port, reinterpret_cast<sockaddr_in*>(&address)) ==
          0 ||
      uv_ip6_addr(target.host.c_str(), target.port, reinterpret_cast<sockaddr_in6*>(&address)) ==
          0) {
    return 0;
  }
  LoopGuard loop;
  uv_getaddrinfo_t req;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(target.port);
  const int rc =
      uv_getaddrinfo(loop.get(), &req, nullptr, target.host.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    error = "cannot resolve " + target.host + ": " + uv_strerror(rc);
    loop.close();
    return rc;
  }
  std::memcpy(&address, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
  uv_freeaddrinfo(req.addrinfo);
  loop.close();
  return 0;
}

Exchange fetchOnce(const HttpUrl& target, const sockaddr_storage& address, const Clock& clock,
                   const std::string& method, const std::string& path, const std::string& body,
                   uint64_t timeoutMs) {
  Exchange e;
  e.method = method;
  e.path = path;
  OutgoingRequest request;
  request.method = method;
  request.path = path;
  request.body = body;
  if (!body.empty()) {
    request.headers = {{"content-type", "application/json"}};
  }
  LoopGuard loop;
  {
    OneShot shot(loop.get(), clock, e, serializeRequest(request, target), timeoutMs);
    uv_timer_t deadline;
    uv_timer_init(loop.get(), &deadline);
    deadline.data = &shot;
    uv_timer_start(
        &deadline, [](uv_timer_t* t) { static_cast<OneShot*>(t->data)->expire(); }, timeoutMs, 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&deadline));
    shot.start(address);
    uv_run(loop.get(), UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(loop.get(), UV_RUN_DEFAULT);
  }
  loop.close();
  return e;
}

Calibration calibrateSynthesis(const HttpUrl& target, const sockaddr_storage& address,
                               const Clock& clock, const std::vector<int64_t>& checkLengths,
                               int blockTokens) {
  Calibration c;
  constexpr int64_t kProbeWords = 2000;
  SynthOptions synth{.tokensPerWord = 1.0, .blockTokens = blockTokens};
  auto tokenize = [&](const std::string& prompt) {
    return tokenCount(fetchOnce(target, address, clock, "POST", "/tokenize",
                                nlohmann::json{{"inputs", prompt}}.dump(), 30'000));
  };
  const int64_t probe = tokenize(synthesizePrompt(kProbeWords, {}, 12345, synth));
  if (probe <= 0) {
    c.note = "the target has no /tokenize: prompt lengths are estimated at 1 token per word";
    return c;
  }
  c.calibrated = true;
  c.tokensPerWord = static_cast<double>(probe) / static_cast<double>(kProbeWords);
  synth.tokensPerWord = c.tokensPerWord;
  double sum = 0;
  int checked = 0;
  for (size_t i = 0; i < checkLengths.size(); ++i) {
    const int64_t want = checkLengths[i];
    const int64_t got = tokenize(synthesizePrompt(want, {}, 777 + i, synth));
    if (want <= 0 || got < 0) {
      continue;
    }
    const double err =
        100.0 * std::abs(static_cast<double>(got - want)) / static_cast<double>(want);
    sum += err;
    c.maxAbsErrorPct = std::max(c.maxAbsErrorPct, err);
    ++checked;
  }
  c.meanAbsErrorPct = checked > 0 ? sum / checked : 0;
  char line[200];
  std::snprintf(line, sizeof line,
                "calibrated through /tokenize: %.3f tokens per word; length error on %d prompts: "
                "mean %.2f%%, max %.2f%%",
                c.tokensPerWord, checked, c.meanAbsErrorPct, c.maxAbsErrorPct);
  c.note = line;
  return c;
}

} // namespace tt::replay
