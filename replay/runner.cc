#include "replay/runner.h"

#include "core/tgi_response.h"

#include "core/http_headers.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <limits>

namespace tt::replay {
namespace {

constexpr int64_t kSpinNs = 2'000'000;      // closer than this to a send time, the loop spins
constexpr int64_t kTimerfdSpinNs = 100'000; // the same with a timerfd to sleep on
constexpr uint64_t kProgressMs = 500;
constexpr size_t kPrepareAhead = 32; // calls built ahead at most (bodies of up to ~1 MB each)

template <typename H> uv_handle_t* handle(H* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}

} // namespace

Runner::Runner(uv_loop_t* loop, const Clock& clock, const Plan& plan,
               std::span<const Exchange> sources, const RunOptions& options, ResultSink sink)
    : loop_(loop), clock_(clock), plan_(plan), sources_(sources), options_(options),
      sink_(std::move(sink)), sendTimer_(*loop, [this] { tick(); }) {}

void Runner::initHandles() {
  if (handlesReady_) {
    return;
  }
  handlesReady_ = true;
  uv_timer_init(loop_, &timer_);
  uv_idle_init(loop_, &idle_);
  uv_signal_init(loop_, &signal_);
  uv_timer_init(loop_, &drainTimer_);
  uv_timer_init(loop_, &progressTimer_);
  for (uv_handle_t* h : {handle(&timer_), handle(&idle_), handle(&signal_), handle(&drainTimer_),
                         handle(&progressTimer_)}) {
    h->data = this;
  }
  // Without a timerfd, the loop falls back to a millisecond timer and spinning.
  preciseSend_ = sendTimer_.init() == 0 && dynamic_cast<const MonotonicClock*>(&clock_) != nullptr;
}

int Runner::preconnect(int count, uint64_t timeoutMs) {
  initHandles();
  count = std::min(count, options_.maxConnections);
  for (int i = static_cast<int>(connections_.size()); i < count; ++i) {
    openSpare();
  }
  preconnectExpired_ = false;
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<Runner*>(t->data)->preconnectExpired_ = true; },
      timeoutMs, 0);
  while (preconnecting_ > 0 && !preconnectExpired_) {
    uv_run(loop_, UV_RUN_ONCE);
  }
  uv_timer_stop(&timer_);
  return static_cast<int>(idleConnections_.size());
}

// A connection that carries nothing yet; onConnected makes it idle.
void Runner::openSpare() {
  auto connection = std::make_unique<HttpClientConnection>(loop_, *this, clock_);
  HttpClientConnection* c = connection.get();
  connections_.emplace(c, std::move(connection));
  ++preconnecting_;
  c->connect(reinterpret_cast<const sockaddr*>(&options_.address));
}

RunStats Runner::run(int64_t originNs) {
  originNs_ = originNs;
  stats_.planned = static_cast<int64_t>(plan_.requests.size());
  initHandles();
  if (options_.handleSigint) {
    uv_signal_start(&signal_, &Runner::onSignal, SIGINT);
  }
  if (options_.progress != nullptr) {
    uv_timer_start(&progressTimer_, &Runner::onProgress, kProgressMs, kProgressMs);
  }
  if (plan_.closedLoop) {
    // Nothing leaves before the origin (a shared --start-at instant, or just ahead of now).
    const int64_t wait = originNs_ - clock_.nowNs();
    if (wait > 0) {
      uv_update_time(loop_); // libuv times from its cached loop time
      uv_timer_start(
          &timer_, [](uv_timer_t* t) { static_cast<Runner*>(t->data)->startClosedLoop(); },
          static_cast<uint64_t>((wait + 999'999) / 1'000'000), 0);
    } else {
      startClosedLoop();
    }
  } else {
    sendingOpenLoop_ = true;
    tick();
  }
  maybeFinish();
  uv_run(loop_, UV_RUN_DEFAULT);
  if (options_.progress != nullptr) {
    printProgress(true);
  }
  return std::move(stats_);
}

// A closed loop starts with `concurrency` requests; each one that ends sends the next.
void Runner::startClosedLoop() {
  const int64_t now = clock_.nowNs();
  const auto first =
      std::min<size_t>(static_cast<size_t>(plan_.concurrency), plan_.requests.size());
  while (next_ < first) {
    dispatch(next_++, now);
  }
  maybeFinish();
}

void Runner::stop() {
  if (stopping_) {
    // A second stop: give up on what is in flight.
    std::vector<HttpClientConnection*> carrying;
    for (const auto& [connection, call] : busy_) {
      carrying.push_back(connection);
    }
    for (HttpClientConnection* c : carrying) {
      c->abort(Outcome::ClientAbort, "replay interrupted");
    }
    return;
  }
  stopping_ = true;
  stats_.interrupted = true;
  uv_timer_stop(&timer_);
  uv_idle_stop(&idle_);
  sendTimer_.disarm();
  stats_.notSent += static_cast<int64_t>(plan_.requests.size() - next_ + waiting_.size());
  inFlight_ -= static_cast<int64_t>(waiting_.size());
  next_ = plan_.requests.size();
  waiting_.clear();
  prepared_.clear();
  uv_timer_start(&drainTimer_, &Runner::onDrainTimeout, options_.drainTimeoutMs, 0);
  maybeFinish();
}

void Runner::onSignal(uv_signal_t* signal, int) {
  static_cast<Runner*>(signal->data)->stop();
}

void Runner::onDrainTimeout(uv_timer_t* timer) {
  auto* self = static_cast<Runner*>(timer->data);
  self->stop(); // the second stop aborts what is left
}

void Runner::onTimer(uv_timer_t* timer) {
  static_cast<Runner*>(timer->data)->tick();
}
void Runner::onIdle(uv_idle_t* idle) {
  static_cast<Runner*>(idle->data)->tick();
}

// Sends every request whose time has come, then sleeps until the next one (or until a later
// one's connection is to be opened ahead): on the precise timer until 100 µs before, then
// spinning on an idle handle, so a request leaves within microseconds of its time (without a
// timerfd: a millisecond libuv timer and 2 ms of spinning). Times are absolute (origin +
// intended), so lateness never accumulates.
void Runner::tick() {
  if (stopping_) {
    return;
  }
  sendDue(clock_.nowNs());
  if (next_ >= plan_.requests.size()) {
    uv_idle_stop(&idle_);
    sendTimer_.disarm();
    maybeFinish();
    return;
  }
  const int64_t due = dueNs(next_);
  prepareAhead(due);
  const int64_t now = clock_.nowNs(); // again: preparing took time
  const int64_t wait = due - now;
  // Wake early, too, when a later request is to get a connection opened ahead (connectAhead).
  const int64_t provisionAt = provisioned_ < plan_.requests.size()
                                  ? dueNs(provisioned_) - connectAheadNs()
                                  : std::numeric_limits<int64_t>::max();
  if (preciseSend_ && wait > kTimerfdSpinNs) {
    // Sleep on the timerfd until just before the send time (the clock is CLOCK_MONOTONIC, as the
    // timer's), then spin the rest: a wakeup takes tens of microseconds.
    uv_idle_stop(&idle_);
    sendTimer_.armAt(std::min(due - kTimerfdSpinNs, provisionAt));
    return;
  }
  sendTimer_.disarm();
  if (!preciseSend_ && wait > kSpinNs) {
    uv_idle_stop(&idle_);
    const int64_t sleep = std::max<int64_t>(0, std::min(due - kSpinNs, provisionAt) - now);
    uv_timer_start(&timer_, &Runner::onTimer, static_cast<uint64_t>(sleep / 1'000'000 + 1), 0);
  } else {
    uv_idle_start(&idle_, &Runner::onIdle);
  }
}

void Runner::sendDue(int64_t nowNs) {
  while (next_ < plan_.requests.size() && dueNs(next_) <= nowNs) {
    dispatch(next_, nowNs);
    ++next_;
  }
  connectAhead(nowNs);
}

// Opens connections for the requests due within the horizon that no idle or connecting spare
// will carry, so that a request seldom waits for a TCP handshake (whose end the loop sees only
// after the turn's reads: milliseconds with thousands of streams open). One spare at most per
// planned request, and none after a spare failed to connect until a connect succeeds, so an
// unreachable target costs one connect per request, as without this.
void Runner::connectAhead(int64_t nowNs) {
  provisioned_ = std::max(provisioned_, next_);
  const int64_t horizon = nowNs + connectAheadNs();
  while (provisioned_ < plan_.requests.size() && dueNs(provisioned_) <= horizon) {
    ++provisioned_;
    // Requests already waiting take the first spares that connect.
    const size_t wanted = provisioned_ - next_ + waiting_.size();
    const size_t spares = idleConnections_.size() + static_cast<size_t>(preconnecting_);
    if (spares < wanted && !spareFailed_ &&
        static_cast<int>(connections_.size()) < options_.maxConnections) {
      openSpare();
    }
  }
}

// A send time can pass while the loop works through a turn's reads (a forward of the target
// ends hundreds of streams' tokens at once); sending between reads keeps the lag to one read.
// The timer armed by tick() still fires, finds nothing due and sleeps until the next request.
void Runner::afterRead(int64_t nowNs) {
  if (sendingOpenLoop_ && !stopping_) {
    sendDue(nowNs);
  }
}

// The next request is built now whatever its time (it would be built then anyway); later ones
// only while there is time to spare before the next send.
void Runner::prepareAhead(int64_t dueNs) {
  while (prepared_.size() < kPrepareAhead && next_ + prepared_.size() < plan_.requests.size()) {
    const int64_t now = clock_.nowNs();
    if (!prepared_.empty() && now + kTimerfdSpinNs + 2 * prepareAverageNs_ >= dueNs) {
      return;
    }
    prepared_.push_back(prepare(next_ + prepared_.size()));
    const int64_t took = clock_.nowNs() - now;
    prepareAverageNs_ =
        prepareAverageNs_ == 0 ? took : prepareAverageNs_ + (took - prepareAverageNs_) / 8;
  }
}

void Runner::dispatch(size_t planIndex, int64_t nowNs) {
  std::unique_ptr<Call> call;
  if (!prepared_.empty() && prepared_.front()->planIndex == planIndex) {
    call = std::move(prepared_.front());
    prepared_.pop_front();
  } else {
    call = prepare(planIndex);
  }
  if (plan_.closedLoop) {
    call->exchange.intendedUs = (nowNs - originNs_) / 1000;
  }
  ++inFlight_;
  assign(std::move(call));
}

std::unique_ptr<Runner::Call> Runner::prepare(size_t planIndex) const {
  const PlannedRequest& planned = plan_.requests[planIndex];
  const Exchange& source = sources_[planned.source];
  const uint64_t salt =
      static_cast<uint64_t>(planned.source) * 1'000'003ULL + static_cast<uint64_t>(planned.copy);
  OutgoingRequest request = buildRequest(source, salt, options_.send);

  auto call = std::make_unique<Call>();
  call->planIndex = planIndex;
  Exchange& e = call->exchange;
  e.sourceRequestId = source.id;
  e.session = source.session;
  if (planned.copy > 0 && e.session) {
    *e.session += "#" + std::to_string(planned.copy);
  }
  e.intendedUs = planned.intendedUs; // a closed loop sets it at dispatch
  e.method = request.method;
  e.path = options_.target.prefix + request.path;
  e.requestHeaders = headersForStorage(request.headers);
  e.requestBodyBytes = static_cast<int64_t>(request.body.size());
  e.endpoint = request.endpoint;
  e.stream = request.stream;
  e.inputTokens = source.inputTokens;
  e.maxNewTokens = request.maxNewTokens;
  e.prefixHashIds = source.prefixHashIds;
  call->wire = serializeRequest(request, options_.target);
  // Recorded bodies are kept (a replay is then comparable byte for byte); synthesized prompts
  // are not: they are rebuilt from the source request, the seed and the calibration.
  if (!request.synthesized) {
    e.requestBody = std::move(request.body);
  }
  call->reader = std::make_unique<ResponseReader>(e, originNs_);
  return call;
}

void Runner::assign(std::unique_ptr<Call> call) {
  if (!idleConnections_.empty()) {
    HttpClientConnection* c = idleConnections_.back();
    idleConnections_.pop_back();
    sendOn(*c, std::move(call));
    return;
  }
  ++stats_.connectionWaits;
  if (static_cast<int>(connections_.size()) < options_.maxConnections) {
    openConnection(std::move(call));
  } else {
    waiting_.push_back(std::move(call));
  }
}

void Runner::openConnection(std::unique_ptr<Call> call) {
  auto connection = std::make_unique<HttpClientConnection>(loop_, *this, clock_);
  HttpClientConnection* c = connection.get();
  connections_.emplace(c, std::move(connection));
  busy_.emplace(c, std::move(call));
  c->connect(reinterpret_cast<const sockaddr*>(&options_.address));
}

void Runner::onConnected(HttpClientConnection& connection, int status) {
  auto it = busy_.find(&connection);
  const bool spare = it == busy_.end(); // carrying nothing yet
  if (status == 0) {
    const int64_t took = clock_.nowNs() - connection.connectStartedNs();
    connectAverageNs_ =
        connectAverageNs_ == 0 ? took : connectAverageNs_ + (took - connectAverageNs_) / 8;
    spareFailed_ = false;
  } else if (spare) {
    spareFailed_ = true;
  }
  if (spare) {
    --preconnecting_;
    if (status == 0 && !finished_) {
      idleConnections_.push_back(&connection);
      if (!waiting_.empty()) {
        std::unique_ptr<Call> next = std::move(waiting_.front());
        waiting_.pop_front();
        idleConnections_.pop_back();
        sendOn(connection, std::move(next));
      }
    }
    return;
  }
  std::unique_ptr<Call> call = std::move(it->second);
  busy_.erase(it);
  if (status != 0) {
    call->reader->fail(Outcome::UpstreamError,
                       std::string("cannot connect to the target: ") + uv_strerror(status),
                       clock_.nowNs());
    call->exchange.sentUs = (clock_.nowNs() - originNs_) / 1000;
    complete(std::move(call));
    return;
  }
  if (stopping_) {
    // Ctrl-C came while it was connecting: it was never sent, and will not be.
    --inFlight_;
    ++stats_.notSent;
    idleConnections_.push_back(&connection);
    maybeFinish();
    return;
  }
  sendOn(connection, std::move(call));
}

void Runner::sendOn(HttpClientConnection& connection, std::unique_ptr<Call> call) {
  Call* raw = call.get();
  const int64_t sentUs = (clock_.nowNs() - originNs_) / 1000;
  raw->exchange.sentUs = sentUs;
  ++stats_.sent;
  busy_[&connection] = std::move(call);
  // A write that fails at once ends the request (and frees the call) inside send().
  connection.send(std::move(raw->wire), *raw->reader, options_.timeoutMs);
}

void Runner::onRequestDone(HttpClientConnection& connection) {
  auto it = busy_.find(&connection);
  if (it == busy_.end()) {
    return;
  }
  std::unique_ptr<Call> call = std::move(it->second);
  busy_.erase(it);
  // The connection goes back first, so a request the completion dispatches can reuse it.
  if (connection.idle()) {
    if (!waiting_.empty()) {
      std::unique_ptr<Call> next = std::move(waiting_.front());
      waiting_.pop_front();
      sendOn(connection, std::move(next));
    } else {
      idleConnections_.push_back(&connection);
    }
  }
  complete(std::move(call));
  maybeFinish();
}

void Runner::onClosed(HttpClientConnection& connection) {
  std::erase(idleConnections_, &connection);
  if (auto it = busy_.find(&connection); it != busy_.end()) {
    // Closed before its request ended (cannot happen: every close path ends the request first).
    std::unique_ptr<Call> call = std::move(it->second);
    busy_.erase(it);
    call->reader->fail(Outcome::UpstreamError, "connection closed", clock_.nowNs());
    complete(std::move(call));
  }
  connections_.erase(&connection);
  if (!waiting_.empty() && static_cast<int>(connections_.size()) < options_.maxConnections) {
    std::unique_ptr<Call> next = std::move(waiting_.front());
    waiting_.pop_front();
    openConnection(std::move(next));
  }
  maybeFinish();
}

void Runner::countFailure(const Exchange& e) {
  // HTTP errors by status and TGI's error_type (validation, overloaded, ...); the others by
  // outcome and our reason, which is one of a few fixed texts.
  std::string key;
  if (e.outcome == Outcome::HttpError && e.status) {
    key = "HTTP " + std::to_string(*e.status);
    if (const auto type = parseTgiResponse(e.responseBody).errorType) {
      key += " " + *type;
    }
  } else {
    key = std::string(outcomeName(e.outcome)) + (e.error.empty() ? "" : ": " + e.error);
  }
  RunStats::Failures& kind = stats_.failures[key];
  if (kind.count++ == 0) {
    kind.example = e.error;
  }
  if (stats_.firstFailure.empty()) {
    stats_.firstFailure = key + (e.error.empty() ? "" : ": " + e.error);
    if (!e.responseBody.empty()) {
      stats_.firstFailure += "\n  answer: " + e.responseBody.substr(0, RunStats::kErrorBodyBytes);
    }
  }
}

void Runner::complete(std::unique_ptr<Call> call) {
  --inFlight_;
  ++stats_.completed;
  Exchange& e = call->exchange;
  ++stats_.outcomes[e.outcome];
  if (e.outcome != Outcome::Ok) {
    countFailure(e);
  }
  if (!e.tokenTimesUs.empty()) {
    ttftMedianUs_.add(e.tokenTimesUs.front() - e.sentUs);
  }
  sink_(std::move(e));
  if (plan_.closedLoop && !stopping_ && next_ < plan_.requests.size()) {
    const int64_t now = clock_.nowNs();
    if (!plan_.durationUs || now - originNs_ < *plan_.durationUs * 1000) {
      dispatch(next_++, now);
    } else {
      stats_.notSent += static_cast<int64_t>(plan_.requests.size() - next_);
      next_ = plan_.requests.size();
    }
  }
}

void Runner::maybeFinish() {
  if (finished_ || next_ < plan_.requests.size() || inFlight_ > 0 || !waiting_.empty()) {
    return;
  }
  finished_ = true;
  std::vector<HttpClientConnection*> open;
  for (const auto& [c, owned] : connections_) {
    open.push_back(c);
  }
  for (HttpClientConnection* c : open) {
    c->close();
  }
  idleConnections_.clear();
  for (uv_handle_t* h : {handle(&timer_), handle(&idle_), handle(&signal_), handle(&drainTimer_),
                         handle(&progressTimer_)}) {
    if (!uv_is_closing(h)) {
      uv_close(h, nullptr);
    }
  }
  sendTimer_.close();
}

void Runner::onProgress(uv_timer_t* timer) {
  static_cast<Runner*>(timer->data)->printProgress(false);
}

void Runner::printProgress(bool final) {
  const int64_t now = clock_.nowNs();
  const double elapsedS = std::max<double>(1e-3, static_cast<double>(now - originNs_) / 1e9);
  int64_t errors = 0;
  for (const auto& [outcome, n] : stats_.outcomes) {
    errors += outcome == Outcome::Ok ? 0 : n;
  }
  // The rate over the last interval while running (the average of the whole run at the end).
  const bool sinceLast = !final && lastProgressNs_ > 0;
  const double rate = sinceLast
                          ? static_cast<double>(stats_.sent - lastProgressSent_) * 1e9 /
                                static_cast<double>(std::max<int64_t>(1, now - lastProgressNs_))
                          : static_cast<double>(stats_.sent) / elapsedS;
  lastProgressNs_ = now;
  lastProgressSent_ = stats_.sent;
  const auto ttft = ttftMedianUs_.median(); // shown in whole ms, rounded
  std::string eta = "-";
  if (!plan_.closedLoop && next_ < plan_.requests.size()) {
    const int64_t left = originNs_ / 1000 + plan_.spanUs - now / 1000;
    eta = std::to_string(std::max<int64_t>(0, left / 1'000'000)) + "s";
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "\rsent %lld/%lld  in flight %lld  done %lld  errors %lld  rate %.1f/s  "
                "ttft p50 %s  eta %s   ",
                static_cast<long long>(stats_.sent), static_cast<long long>(stats_.planned),
                static_cast<long long>(inFlight_), static_cast<long long>(stats_.completed),
                static_cast<long long>(errors), rate,
                ttft ? (std::to_string(std::llround(*ttft / 1000)) + "ms").c_str() : "-",
                eta.c_str());
  *options_.progress << line << (final ? "\n" : "") << std::flush;
}

} // namespace tt::replay
