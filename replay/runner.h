#pragma once

#include "core/clock.h"
#include "core/exchange.h"
#include "core/http_client_connection.h"
#include "core/precise_timer.h"
#include "core/url.h"
#include "replay/plan.h"
#include "replay/request_builder.h"
#include "replay/response_reader.h"
#include "replay/running_median.h"

#include <uv.h>

#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <span>
#include <unordered_map>
#include <vector>

namespace tt::replay {

// Where finished exchanges go (the capture writer in the CLI, a vector in tests).
using ResultSink = std::function<void(Exchange&&)>;

struct RunOptions {
  HttpUrl target;
  sockaddr_storage address{}; // the target, resolved
  SendOptions send;
  int maxConnections = 1024;        // open at once; requests beyond wait for a free one
  uint64_t timeoutMs = 600'000;     // per request, from its send
  uint64_t drainTimeoutMs = 30'000; // after Ctrl-C: how long in-flight requests may finish
  bool handleSigint = false;        // Ctrl-C stops sending and drains
  std::ostream* progress = nullptr; // live progress line (a terminal), or nullptr
};

// What only the sender knows of a run: requests sent or not, connection waits, outcomes and
// failures by reason. Latencies and rates come from the exchanges, through analyze (the summary).
struct RunStats {
  int64_t planned = 0;
  int64_t sent = 0;
  int64_t notSent = 0; // planned but never sent (Ctrl-C)
  // Requests that found no idle connection when they fell due: each waited for one to open, or
  // to free up when --max-connections were busy (or never got one: a failed connect, Ctrl-C).
  int64_t connectionWaits = 0;
  int64_t completed = 0;
  std::unordered_map<Outcome, int64_t> outcomes;
  // Failed requests by status and reason ("HTTP 422 validation", "upstream_error: connection
  // refused"), each with the first message seen, and the first failure's answer as it came (cut
  // to kErrorBodyBytes), so that a run that failed says why.
  struct Failures {
    int64_t count = 0;
    std::string example;
  };
  std::map<std::string, Failures> failures;
  std::string firstFailure;
  static constexpr size_t kErrorBodyBytes = 500;
  bool interrupted = false;
};

// Runs one replay on `loop`: sends each planned request at originNs + its intended time (open
// loop) or keeps plan.concurrency in flight (closed loop), over a keep-alive connection pool,
// and hands every finished exchange to `sink`. run() returns when every request has ended and
// every handle it opened is closed.
class Runner final : public HttpClientConnectionOwner {
public:
  Runner(uv_loop_t* loop, const Clock& clock, const Plan& plan, std::span<const Exchange> sources,
         const RunOptions& options, ResultSink sink);
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Opens up to `count` connections (at most maxConnections) before the run, so the first
  // requests do not pay a TCP connect in their send lag; runs the loop until they are connected
  // or timeoutMs passed. Returns how many are open and idle.
  int preconnect(int count, uint64_t timeoutMs);
  RunStats run(int64_t originNs);
  // As Ctrl-C: stop sending, let in-flight requests finish up to the drain timeout.
  void stop();

private:
  struct Call {
    size_t planIndex = 0;
    Exchange exchange;
    std::string wire;
    std::unique_ptr<ResponseReader> reader;
  };

  void onConnected(HttpClientConnection& connection, int status) override;
  void onRequestDone(HttpClientConnection& connection) override;
  void onClosed(HttpClientConnection& connection) override;
  void afterRead(int64_t nowNs) override;

  static void onTimer(uv_timer_t* timer);
  static void onIdle(uv_idle_t* idle);
  static void onSignal(uv_signal_t* signal, int signum);
  static void onDrainTimeout(uv_timer_t* timer);
  static void onProgress(uv_timer_t* timer);

  void initHandles();
  void tick();
  void startClosedLoop();
  void sendDue(int64_t nowNs);
  int64_t dueNs(size_t planIndex) const {
    return originNs_ + plan_.requests[planIndex].intendedUs * 1000;
  }
  // Builds the call for one plan entry: body, wire bytes, the exchange as far as it is known
  // before the send.
  std::unique_ptr<Call> prepare(size_t planIndex) const;
  // Builds the next requests ahead of their send times while the loop would sleep; see
  // prepared_.
  void prepareAhead(int64_t dueNs);
  void dispatch(size_t planIndex, int64_t nowNs);
  void assign(std::unique_ptr<Call> call);
  void openConnection(std::unique_ptr<Call> call);
  void openSpare();
  void connectAhead(int64_t nowNs);
  // How far ahead connectAhead() looks: twice a connect's usual time (an average, so that one
  // SYN retransmitted does not keep thousands of spares open), between 10 ms and 1 s.
  int64_t connectAheadNs() const {
    return std::clamp<int64_t>(2 * connectAverageNs_, 10'000'000, 1'000'000'000);
  }
  void sendOn(HttpClientConnection& connection, std::unique_ptr<Call> call);
  void complete(std::unique_ptr<Call> call);
  void countFailure(const Exchange& e);
  void maybeFinish();
  void printProgress(bool final);

  uv_loop_t* loop_;
  const Clock& clock_;
  const Plan& plan_;
  std::span<const Exchange> sources_;
  const RunOptions& options_;
  ResultSink sink_;

  uv_timer_t timer_;
  uv_idle_t idle_;
  PreciseTimer sendTimer_; // wakes the loop just before a send time, to the microsecond
  // The clock reads CLOCK_MONOTONIC, as sendTimer_ does, and sendTimer_ opened: sleep on it.
  bool preciseSend_ = false;
  uv_signal_t signal_;
  uv_timer_t drainTimer_;
  uv_timer_t progressTimer_;
  int64_t lastProgressNs_ = 0; // when the progress line was last printed
  int64_t lastProgressSent_ = 0;
  RunningMedian ttftMedianUs_; // of the streams' TTFTs, for the progress line

  bool handlesReady_ = false;
  int preconnecting_ = 0; // spare connections (preconnect(), connectAhead()) still connecting
  // connectAhead(): plan entries up to here have been counted against the spare connections.
  size_t provisioned_ = 0;
  int64_t connectAverageNs_ = 0; // a moving average of connect times, 0 before the first
  bool spareFailed_ = false;     // the last spare to finish connecting failed
  bool preconnectExpired_ = false;
  int64_t originNs_ = 0;
  bool sendingOpenLoop_ = false; // run() started an open-loop schedule
  size_t next_ = 0;
  int64_t inFlight_ = 0;
  bool stopping_ = false;
  bool finished_ = false;
  std::unordered_map<HttpClientConnection*, std::unique_ptr<HttpClientConnection>> connections_;
  // Calls in flight, by the connection carrying each.
  std::unordered_map<HttpClientConnection*, std::unique_ptr<Call>> busy_;
  std::vector<HttpClientConnection*> idleConnections_;
  std::deque<std::unique_ptr<Call>> waiting_;
  // Calls built ahead for the plan entries from next_ on, in order: a synthesized prompt of
  // tens of thousands of tokens takes a millisecond or more to make and escape, which would
  // otherwise be send lag (docs/replay.md, "Timing and results").
  std::deque<std::unique_ptr<Call>> prepared_;
  int64_t prepareAverageNs_ = 0; // a moving average of prepare() times, 0 before the first
  RunStats stats_;
};

} // namespace tt::replay
