// The proxy end to end (proxy/session.cc) with raw bytes on both legs: a real proxy on its own
// loop thread, a scripted upstream, a client, all on 127.0.0.1. Input: a control byte, two bytes
// giving the length of the client's part, the client's bytes, then the upstream's answer. The
// client sends its bytes followed by `GET /marker`; the upstream answers every request with the
// input's answer bytes (closing after them when the control byte says so), and `GET /marker`
// with a response of its own.
//
// Invariants (the two legs stay in step):
// - The upstream receives well-formed requests only, and no more of them than the client sent
//   (as core/http_parser.h frames the client's bytes): no request smuggled into a body.
// - The client receives well-formed responses only, and no more final responses than the
//   requests it sent, plus one answer of the proxy's own when its bytes were refused or cut
//   short; the response in the place of the marker's is the marker's or the proxy's own: no
//   response smuggled out of another's body.
// - Once the client has gone, the proxy closes every connection of the exchange.
//
// A broken check prints what the client received; FUZZ_SHOW=1 prints it for every input (to read
// what one input does: `fuzz_proxy_session FILE`).
#include "fuzz/check.h"
#include "tests/proxy/harness.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>

namespace tt::fuzz {
namespace {

using test::monoNs;

constexpr std::string_view kMarkerRequest = "GET /marker HTTP/1.1\r\nHost: fuzz\r\n\r\n";
constexpr std::string_view kMarkerResponse =
    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Marker: 1\r\n\r\nmarker";

// Completes each record as the capture writer would (the capture's parsing is fuzzed too), then
// drops it.
class DiscardingRecorder final : public proxy::Recorder {
public:
  bool record(Exchange&& exchange, const proxy::CaptureExtras& extras) noexcept override {
    proxy::completeRecord(exchange, extras);
    return true;
  }
};

// One thread polling every upstream connection; answers each complete request.
class ScriptedUpstream {
public:
  ScriptedUpstream() {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listenFd_, 128) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedUpstream() {
    stop_ = true;
    thread_.join();
    ::close(listenFd_);
  }

  int port() const { return port_; }

  // The answer to every request of the next input, and whether to close after sending it.
  void prepare(std::string answer, bool closeAfter) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
    closeAfter_ = closeAfter;
    requests_ = 0;
    malformed_ = false;
  }
  // Reads everything that has arrived: once the proxy has ended every exchange, the bytes it
  // sent are all in this side's socket buffers (loopback), so what an input sent is counted for
  // that input and not for the next. Bounded.
  void drain() {
    std::unique_lock lock(mutex_);
    drainRequested_ = true;
    drained_.wait_for(lock, std::chrono::seconds(5), [&] { return !drainRequested_; });
  }
  size_t requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  bool malformed() {
    std::lock_guard lock(mutex_);
    return malformed_;
  }

private:
  struct Conn {
    test::Socket socket;
    test::MessageReader reader{HttpParser::Kind::Request};
    explicit Conn(int fd) : socket(fd) {}
  };

  void serve() {
    while (!stop_) {
      bool drain = false;
      {
        std::lock_guard lock(mutex_);
        drain = drainRequested_;
      }
      if (!drain) {
        pollOnce(10);
        continue;
      }
      while (pollOnce(0)) {
      }
      {
        std::lock_guard lock(mutex_);
        drainRequested_ = false;
      }
      drained_.notify_all();
    }
  }

  // One poll over the listener and every connection; false when nothing was ready.
  bool pollOnce(int timeoutMs) {
    std::vector<pollfd> fds(1, pollfd{listenFd_, POLLIN, 0});
    for (const Conn& conn : conns_) {
      fds.push_back(pollfd{conn.socket.fd(), POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), timeoutMs) <= 0) {
      return false;
    }
    if (fds[0].revents != 0) {
      const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        conns_.emplace_back(fd);
      }
    }
    auto conn = conns_.begin();
    for (size_t i = 1; i < fds.size(); ++i) {
      auto next = std::next(conn);
      if (fds[i].revents != 0 && !readFrom(*conn)) {
        conns_.erase(conn);
      }
      conn = next;
    }
    return true;
  }

  // Reads what arrived and answers the requests it completes; false when the connection ends.
  bool readFrom(Conn& conn) {
    char buffer[16384];
    const ssize_t n = ::recv(conn.socket.fd(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) {
      return n < 0 && (errno == EAGAIN || errno == EINTR);
    }
    const bool parsed = conn.reader.feed(std::string_view(buffer, static_cast<size_t>(n)));
    std::lock_guard lock(mutex_);
    if (!parsed && conn.reader.parser().error() != HttpError::None) {
      malformed_ = true;
      return false;
    }
    for (const test::Message& request : conn.reader.messages) {
      if (request.target == "/marker") {
        conn.socket.sendAll(kMarkerResponse);
        continue;
      }
      ++requests_;
      if (!conn.socket.sendAll(answer_) || closeAfter_) {
        return false;
      }
    }
    conn.reader.messages.clear();
    return parsed;
  }

  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::list<Conn> conns_; // serve()'s thread only
  std::mutex mutex_;
  std::condition_variable drained_;
  bool drainRequested_ = false;
  std::string answer_;
  bool closeAfter_ = false;
  size_t requests_ = 0;
  bool malformed_ = false;
};

// How core/http_parser.h frames the client's bytes: the requests they hold, in order.
struct ClientRequests {
  std::vector<std::string> methods; // complete requests
  bool unfinished = false;          // refused, or a request cut short
  bool markerLast = false;          // the last complete request is the client's GET /marker
  // The final responses the client may see: one per request, and the proxy's own error answer
  // to bytes it refuses or that never complete.
  size_t answers() const { return methods.size() + (unfinished ? 1 : 0); }
};

ClientRequests frameRequests(std::string_view bytes) {
  test::MessageReader reader(HttpParser::Kind::Request);
  const bool parsed = reader.feed(bytes);
  ClientRequests requests;
  for (const test::Message& m : reader.messages) {
    // The proxy refuses what is not HTTP (an HTTP/0.9-style or RTSP line) with an ordinary
    // answer: its HEAD is not HTTP's.
    requests.methods.push_back(m.http ? m.method : std::string());
  }
  requests.unfinished = !parsed || reader.inMessage();
  requests.markerLast = !reader.messages.empty() && reader.messages.back().target == "/marker";
  return requests;
}

// Reads the client's responses, each parsed knowing whether it answers a HEAD.
struct ClientResponses {
  size_t finals = 0;
  bool malformed = false;
  std::optional<test::Message> answerToMarker; // the final response in the marker's place
  std::string bytes;                           // everything received, shown when a check fails
};

// What the proxy answers on its own: core/tgi_error.h's body, never with the marker's header.
bool fromProxy(const test::Message& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  return response.status >= 400 && body.is_object() && body.contains("error") &&
         body.contains("error_type");
}

ClientResponses readResponses(test::Socket& socket, const ClientRequests& requests,
                              int64_t deadlineNs) {
  test::MessageReader reader(HttpParser::Kind::Response);
  ClientResponses responses;
  std::string& bytes = responses.bytes;
  size_t parsedUpTo = 0;
  while (monoNs() < deadlineNs && responses.finals < requests.answers()) {
    const int64_t leftMs = std::max<int64_t>(1, (deadlineNs - monoNs()) / 1'000'000);
    const ssize_t n = socket.readSome(bytes, static_cast<int>(leftMs));
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      break;
    }
    // Feeds one message at a time, so that each is parsed knowing what it answers.
    while (parsedUpTo < bytes.size()) {
      const size_t index = responses.finals;
      reader.setHead(index < requests.methods.size() && requests.methods[index] == "HEAD");
      const size_t before = reader.messages.size();
      const uint64_t offset = reader.parser().offset();
      const bool ok = reader.feed(std::string_view(bytes).substr(parsedUpTo, 1));
      parsedUpTo += static_cast<size_t>(reader.parser().offset() - offset);
      if (!ok) {
        responses.malformed = reader.parser().error() != HttpError::None; // else upgraded
        return responses;
      }
      if (reader.messages.size() > before && reader.messages.back().status >= 200) {
        ++responses.finals;
        if (responses.finals == requests.methods.size()) {
          responses.answerToMarker = reader.messages.back();
        }
      }
    }
  }
  return responses;
}

proxy::Config fuzzConfig(int upstreamPort) {
  proxy::Config config = test::configFor(upstreamPort);
  // Short timeouts: an input that leaves a leg waiting costs a fraction of a second.
  config.headerTimeoutMs = 30;
  config.idleTimeoutMs = 40;
  config.keepAliveTimeoutMs = 1000;
  config.lingerMs = 30;
  config.maxBodyBytes = 1 << 20;
  return config;
}

struct World {
  ScriptedUpstream upstream;
  DiscardingRecorder recorder;
  test::ProxyThread proxy{fuzzConfig(upstream.port()), recorder};
};

void runOne(World& world, uint8_t control, std::string_view clientBytes, std::string_view answer) {
  world.upstream.prepare(std::string(answer), (control & 1) != 0);
  std::string sent(clientBytes);
  sent += kMarkerRequest;
  const ClientRequests requests = frameRequests(sent);

  {
    test::Socket client = test::Socket::connectTo(world.proxy.port());
    client.sendAll(sent); // the proxy may close early: what it read is what counts
    const ClientResponses responses = readResponses(client, requests, monoNs() + 300'000'000);
    if (responses.malformed || responses.finals > requests.answers() || std::getenv("FUZZ_SHOW")) {
      std::fprintf(stderr, "the client received (%zu final responses, %zu expected at most):\n%s\n",
                   responses.finals, requests.answers(), responses.bytes.c_str());
    }
    FUZZ_CHECK(!responses.malformed);
    FUZZ_CHECK(responses.finals <= requests.answers());
    if (requests.markerLast && responses.answerToMarker) {
      FUZZ_CHECK(responses.answerToMarker->has("x-marker") || fromProxy(*responses.answerToMarker));
    }
  }
  // The client is gone: every connection of the exchange must close. Polled in 1 ms steps,
  // bounded: the proxy's loop runs on its own thread.
  const int64_t deadline = monoNs() + 5'000'000'000;
  proxy::Counters counters = world.proxy.counters();
  while ((counters.connectionsOpen != 0 || counters.exchangesOpen != 0) && monoNs() < deadline) {
    ::poll(nullptr, 0, 1);
    counters = world.proxy.counters();
  }
  FUZZ_CHECK(counters.connectionsOpen == 0 && counters.exchangesOpen == 0);
  world.upstream.drain();
  FUZZ_CHECK(!world.upstream.malformed());
  FUZZ_CHECK(world.upstream.requests() <= requests.methods.size());
}

} // namespace
} // namespace tt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) {
    return 0;
  }
  static tt::fuzz::World world;
  const size_t clientSize = std::min<size_t>(size - 3, data[1] | (size_t{data[2]} << 8));
  const auto* bytes = reinterpret_cast<const char*>(data + 3);
  tt::fuzz::runOne(world, data[0], std::string_view(bytes, clientSize),
                   std::string_view(bytes + clientSize, size - 3 - clientSize));
  return 0;
}
