#pragma once
// Test fixtures for the capture proxy (docs/style.md, "Tests on real sockets"): the proxy on its
// own libuv loop and thread, scripted fake upstreams and blocking clients on 127.0.0.1 port 0.
// Every wait is on I/O or a condition with a deadline; nothing sleeps to synchronise.

#include "core/clock.h"
#include "core/exchange.h"
#include "core/http_parser.h"
#include "core/uv_util.h"
#include "proxy/recorder.h"
#include "proxy/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tt::test {

inline int64_t monoNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Sleeps until a CLOCK_MONOTONIC instant: a fake upstream's send schedule, not a synchronisation.
inline void sleepUntilNs(int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// ---- a connected blocking socket with deadlines ---------------------------------------------

class Socket {
public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { reset(); }
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Socket& operator=(Socket&& o) noexcept {
    reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }

  static Socket connectTo(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      throw std::runtime_error("connect failed");
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Socket(fd);
  }

  int fd() const { return fd_; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  // Closes with RST (SO_LINGER 0): an abrupt abort.
  void abort() {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    reset();
  }
  void setReceiveBuffer(int bytes) { setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes); }

  // Writes everything; false when the peer is gone.
  bool sendAll(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) {
          continue;
        }
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One read: bytes appended to `out`; 0 at EOF, -1 on error or when `timeoutMs` passed.
  ssize_t readSome(std::string& out, int timeoutMs, size_t max = 65536) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, timeoutMs);
    if (r <= 0) {
      return -1;
    }
    const size_t old = out.size();
    out.resize(old + max);
    const ssize_t n = ::read(fd_, out.data() + old, max);
    out.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    return n;
  }

  // Reads until `done(buffer)` or EOF or the deadline; true when `done` held.
  bool readUntil(std::string& out, const std::function<bool(const std::string&)>& done,
                 int timeoutMs = 5000) {
    const int64_t deadline = monoNs() + int64_t{timeoutMs} * 1'000'000;
    while (!done(out)) {
      const int64_t left = (deadline - monoNs()) / 1'000'000;
      if (left <= 0 || readSome(out, static_cast<int>(left)) <= 0) {
        return done(out);
      }
    }
    return true;
  }

  // Reads to EOF (true) or the deadline (false).
  bool readToEof(std::string& out, int timeoutMs = 5000) {
    const int64_t deadline = monoNs() + int64_t{timeoutMs} * 1'000'000;
    for (;;) {
      const int64_t left = (deadline - monoNs()) / 1'000'000;
      if (left <= 0) {
        return false;
      }
      const ssize_t n = readSome(out, static_cast<int>(left));
      if (n == 0) {
        return true;
      }
      if (n < 0) {
        if (errno == ECONNRESET) {
          return true;
        }
        if (monoNs() >= deadline) {
          return false;
        }
      }
    }
  }

private:
  int fd_ = -1;
};

// ---- parsed messages ------------------------------------------------------------------------

struct Message {
  std::string method;
  std::string target;
  int status = 0;
  Headers headers;
  std::string body;
  bool complete = false;
  bool keepAlive = true;
  int versionMinor = 1;
  bool http = true; // requests: HTTP/x.y (llhttp also parses RTSP, ICE and HTTP/0.9-style lines)
  std::string header(std::string_view name) const {
    const std::string* v = nullptr;
    for (const auto& [k, val] : headers) {
      if (k.size() == name.size() && strncasecmp(k.c_str(), name.data(), name.size()) == 0) {
        v = &val;
        break;
      }
    }
    return v ? *v : std::string();
  }
  bool has(std::string_view name) const {
    for (const auto& [k, val] : headers) {
      if (k.size() == name.size() && strncasecmp(k.c_str(), name.data(), name.size()) == 0) {
        return true;
      }
    }
    return false;
  }
};

// Collects complete messages from a byte stream (interim 1xx responses included).
class MessageReader final : public HttpMessageHandler {
public:
  explicit MessageReader(HttpParser::Kind kind) : parser_(kind, *this, {}) {}
  void setHead(bool head) { parser_.setHeadRequest(head); }
  // Feeds bytes; false on a parse error.
  bool feed(std::string_view data) {
    const ParseResult r = parser_.execute(data);
    return r.status == ParseStatus::Ok || r.status == ParseStatus::MessageEnd;
  }
  EofState finish() { return parser_.finish(); }
  std::vector<Message> messages;
  Message current;
  bool inMessage() const { return parser_.inMessage(); }
  const HttpParser& parser() const { return parser_; }

  void onHead(const HttpHead& h) override {
    current = Message{};
    current.method = h.method;
    current.target = h.target;
    current.status = h.status;
    current.headers = h.headers;
    current.versionMinor = h.versionMinor;
    current.http = h.httpProtocol;
  }
  void onBody(std::string_view chunk) override { current.body += chunk; }
  void onMessageComplete(const HttpHead& h) override {
    current.headers.insert(current.headers.end(), h.trailers.begin(), h.trailers.end());
    current.complete = true;
    current.keepAlive = h.keepAlive;
    messages.push_back(current);
  }

private:
  HttpParser parser_;
};

// A blocking test client.
class Client {
public:
  explicit Client(int port) : sock(Socket::connectTo(port)) {}
  bool send(std::string_view bytes) { return sock.sendAll(bytes); }

  // Reads until `count` final responses (1xx not counted) are complete, EOF or the deadline.
  std::vector<Message> responses(size_t count = 1, int timeoutMs = 5000, bool head = false) {
    reader_.setHead(head);
    const int64_t deadline = monoNs() + int64_t{timeoutMs} * 1'000'000;
    for (;;) {
      std::vector<Message> finals;
      for (const Message& m : reader_.messages) {
        if (m.status >= 200 || m.status == 0) {
          finals.push_back(m);
        }
      }
      if (finals.size() >= count) {
        reader_.messages.clear();
        return finals;
      }
      const int64_t left = (deadline - monoNs()) / 1'000'000;
      if (left <= 0) {
        return finals;
      }
      std::string data;
      const ssize_t n = sock.readSome(data, static_cast<int>(left));
      raw += data;
      if (n == 0) {
        eof = true;
        reader_.finish();
        finals.clear();
        for (const Message& m : reader_.messages) {
          if (m.status >= 200 || m.status == 0) {
            finals.push_back(m);
          }
        }
        reader_.messages.clear();
        return finals;
      }
      if (n < 0) {
        if (errno == ECONNRESET) {
          eof = true;
        }
        if (eof || monoNs() >= deadline) {
          return finals;
        }
        continue;
      }
      if (!reader_.feed(data)) {
        parseError = true;
        return finals;
      }
    }
  }
  Message response(int timeoutMs = 5000, bool head = false) {
    auto r = responses(1, timeoutMs, head);
    return r.empty() ? Message{} : r.front();
  }
  // Interim responses seen so far (100 Continue).
  const MessageReader& reader() const { return reader_; }
  // True when the proxy closed the connection (EOF) within the deadline.
  bool closedByPeer(int timeoutMs = 5000) {
    if (eof) {
      return true;
    }
    std::string rest;
    eof = sock.readToEof(rest, timeoutMs);
    raw += rest;
    return eof;
  }

  Socket sock;
  std::string raw;
  bool eof = false;
  bool parseError = false;

private:
  MessageReader reader_{HttpParser::Kind::Response};
};

// ---- recorder ---------------------------------------------------------------------------------

class MemoryRecorder final : public proxy::Recorder {
public:
  bool record(Exchange&& e, const proxy::CaptureExtras& extras) noexcept override {
    proxy::completeRecord(e, extras);
    std::lock_guard lock(mutex_);
    if (capacity_ && records_.size() >= *capacity_) {
      ++dropped_;
      return false;
    }
    records_.push_back(std::move(e));
    changed_.notify_all();
    return true;
  }
  // Waits until `n` exchanges are recorded (or the deadline) and returns what was recorded.
  std::vector<Exchange> waitFor(size_t n, int timeoutMs = 5000) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                      [&] { return records_.size() >= n; });
    return records_;
  }
  std::vector<Exchange> all() {
    std::lock_guard lock(mutex_);
    return records_;
  }
  void setCapacity(size_t n) {
    std::lock_guard lock(mutex_);
    capacity_ = n;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Exchange> records_;
  std::optional<size_t> capacity_;
  size_t dropped_ = 0;
};

// ---- the proxy on its own loop and thread ------------------------------------------------------

class ProxyThread {
public:
  ProxyThread(proxy::Config config, proxy::Recorder& recorder) : config_(std::move(config)) {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, &ProxyThread::onAsync);
    async_.data = this;
    server_ = std::make_unique<proxy::Server>(&loop_, config_, recorder, clock_);
    std::string error;
    if (server_->start(&error) != 0) {
      throw std::runtime_error(error);
    }
    port_ = server_->port();
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  ~ProxyThread() { stop(); }

  int port() const { return port_; }

  // Runs `fn` on the loop thread and waits for it.
  void call(const std::function<void(proxy::Server&)>& fn) {
    std::unique_lock lock(mutex_);
    calls_.push_back(fn);
    uv_async_send(&async_);
    done_.wait(lock, [&] { return calls_.empty() && !running_; });
  }
  proxy::Counters counters() {
    proxy::Counters c;
    call([&](proxy::Server& s) { c = s.counters(); });
    return c;
  }

  // Shuts the server down (drain `drainMs`), ends the loop and returns uv_loop_close's result.
  int stop(int64_t drainMs = 0) {
    if (stopped_) {
      return closeResult_;
    }
    stopped_ = true;
    {
      std::lock_guard lock(mutex_);
      stopDrainMs_ = drainMs;
      stopRequested_ = true;
    }
    uv_async_send(&async_);
    thread_.join();
    closeResult_ = closeLoop(&loop_);
    server_.reset();
    return closeResult_;
  }

private:
  static void onAsync(uv_async_t* async) {
    auto* self = static_cast<ProxyThread*>(async->data);
    std::vector<std::function<void(proxy::Server&)>> calls;
    bool stop = false;
    int64_t drain = 0;
    {
      std::lock_guard lock(self->mutex_);
      calls.swap(self->calls_);
      self->running_ = !calls.empty();
      stop = self->stopRequested_ && !self->stopping_;
      drain = self->stopDrainMs_;
      self->stopping_ = self->stopping_ || stop;
    }
    for (auto& fn : calls) {
      fn(*self->server_);
    }
    {
      std::lock_guard lock(self->mutex_);
      self->running_ = false;
    }
    self->done_.notify_all();
    if (stop) {
      self->server_->shutdown(
          drain, [self] { uv_close(reinterpret_cast<uv_handle_t*>(&self->async_), nullptr); });
    }
  }

  proxy::Config config_;
  MonotonicClock clock_;
  uv_loop_t loop_;
  uv_async_t async_;
  std::unique_ptr<proxy::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::function<void(proxy::Server&)>> calls_;
  bool running_ = false;
  bool stopRequested_ = false;
  bool stopping_ = false;
  int64_t stopDrainMs_ = 0;
  bool stopped_ = false;
  int closeResult_ = -1;
};

// ---- scripted fake upstream -----------------------------------------------------------------

struct UpstreamRequest {
  Message message;
  size_t connection = 0; // index of the upstream connection it came on
};

class FakeUpstream;

// One accepted upstream connection, handed to the script.
class UpConn {
public:
  UpConn(FakeUpstream& server, Socket socket, size_t connIndex)
      : sock(std::move(socket)), index(connIndex), server_(server) {}
  // Reads the next request (complete). nullopt at EOF, on error or at the deadline.
  std::optional<Message> readRequest(int timeoutMs = 5000);
  bool send(std::string_view bytes) { return sock.sendAll(bytes); }
  // Waits for the proxy to close this connection; returns the monotonic ns when seen, or 0.
  int64_t waitClosed(int timeoutMs = 5000) {
    std::string sink;
    const int64_t deadline = monoNs() + int64_t{timeoutMs} * 1'000'000;
    for (;;) {
      const int64_t left = (deadline - monoNs()) / 1'000'000;
      if (left <= 0) {
        return 0;
      }
      const ssize_t n = sock.readSome(sink, static_cast<int>(left));
      if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        return monoNs();
      }
    }
  }

  Socket sock;
  size_t index;
  std::string pendingBytes; // read but not yet parsed into a request

private:
  FakeUpstream& server_;
  MessageReader reader_{HttpParser::Kind::Request};
};

class FakeUpstream {
public:
  using Script = std::function<void(UpConn&)>;
  explicit FakeUpstream(Script script) : script_(std::move(script)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listenFd_, 128) != 0) {
      throw std::runtime_error("fake upstream: cannot listen");
    }
    socklen_t len = sizeof addr;
    getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~FakeUpstream() { stop(); }

  int port() const { return port_; }
  void stop() {
    if (stopping_.exchange(true)) {
      return;
    }
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& t : workers) {
      t.join();
    }
    ::close(listenFd_);
  }
  size_t connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  std::vector<UpstreamRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  void addRequest(const Message& m, size_t conn) {
    std::lock_guard lock(mutex_);
    requests_.push_back({m, conn});
  }
  bool stopping() const { return stopping_; }

private:
  void acceptLoop() {
    while (!stopping_) {
      pollfd p{listenFd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mutex_);
      const size_t index = connections_++;
      workers_.emplace_back([this, fd, index] {
        UpConn conn(*this, Socket(fd), index);
        script_(conn);
      });
    }
  }

  Script script_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  size_t connections_ = 0;
  std::vector<UpstreamRequest> requests_;
};

inline std::optional<Message> UpConn::readRequest(int timeoutMs) {
  const int64_t deadline = monoNs() + int64_t{timeoutMs} * 1'000'000;
  for (;;) {
    if (!reader_.messages.empty()) {
      Message m = reader_.messages.front();
      reader_.messages.erase(reader_.messages.begin());
      server_.addRequest(m, index);
      return m;
    }
    const int64_t left = (deadline - monoNs()) / 1'000'000;
    if (left <= 0 || server_.stopping()) {
      return std::nullopt;
    }
    std::string data;
    const ssize_t n = sock.readSome(data, static_cast<int>(std::min<int64_t>(left, 50)));
    if (n == 0) {
      return std::nullopt;
    }
    if (n < 0) {
      if (errno == ECONNRESET) {
        return std::nullopt;
      }
      continue;
    }
    if (!reader_.feed(data)) {
      return std::nullopt;
    }
  }
}

// A script that answers every request on a connection with `response` until the proxy closes.
inline FakeUpstream::Script answerAll(std::string response) {
  return [response](UpConn& c) {
    while (c.readRequest(10'000)) {
      if (!c.send(response)) {
        return;
      }
    }
  };
}

inline proxy::Config configFor(int upstreamPort) {
  proxy::Config c;
  c.listenHost = "127.0.0.1";
  c.listenPort = 0;
  c.upstream.host = "127.0.0.1";
  c.upstream.port = static_cast<uint16_t>(upstreamPort);
  return c;
}

inline std::string jsonResponse(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

inline std::string chunk(std::string_view data) {
  char size[32];
  snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

} // namespace tt::test
