#pragma once

#include "core/clock.h"
#include "core/http_parser.h"
#include "core/realtime.h"
#include "core/uv_util.h"
#include "tgisim/server.h"
#include "tools/tgi-sim/options.h"

#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cstring>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tt::test {

// A server config from tgi-sim flags, as the executable would build it.
inline tgisim::ServerConfig simConfig(const std::vector<std::string>& flags) {
  tgisim::TgiSimOptions options;
  CLI::App app;
  tgisim::setupTgiSim(app, options);
  std::vector<std::string> args(flags.rbegin(), flags.rend());
  app.parse(args);
  std::string error;
  auto config = tgisim::buildServerConfig(options, &error);
  if (!config) {
    throw std::runtime_error(error);
  }
  config->hostname = "127.0.0.1";
  config->port = 0;
  return *config;
}

// The CPUs this thread may run on, in ascending order.
inline std::vector<int> allowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) {
        cpus.push_back(cpu);
      }
    }
  }
  return cpus;
}

// One tgi-sim server on its own loop and thread, on 127.0.0.1 port 0. The destructor stops it,
// joins the thread and checks that its loop closed empty (loopClosed()). With `realtimeCpu`, the
// thread runs real-time on that CPU where it is permitted (core/realtime.h), at normal priority
// where not.
class ServerThread {
public:
  explicit ServerThread(tgisim::ServerConfig config, tgisim::ForwardObserver* observer = nullptr,
                        std::optional<int> realtimeCpu = std::nullopt)
      : config_(std::move(config)), observer_(observer), realtimeCpu_(realtimeCpu) {
    std::promise<int> port;
    auto ready = port.get_future();
    thread_ = std::thread([this, &port] { run(port); });
    port_ = ready.get();
    if (port_ <= 0) {
      thread_.join();
      throw std::runtime_error("tgi-sim did not start");
    }
  }
  ~ServerThread() { stop(); }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  int port() const { return port_; }
  void stop() {
    if (thread_.joinable()) {
      uv_async_send(&stopAsync_);
      thread_.join();
    }
  }
  // After stop(): the loop ended with uv_loop_close() == 0.
  bool loopClosed() const { return loopCloseResult_ == 0; }
  // After stop(): the server's metrics rendered at shutdown.
  const std::string& finalMetrics() const { return finalMetrics_; }

private:
  void run(std::promise<int>& port) {
    std::optional<RealtimeScope> realtime;
    if (realtimeCpu_) {
      realtime.emplace(*realtimeCpu_);
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    MonotonicClock clock;
    {
      tgisim::Server server(loop, config_, clock);
      server.driver().setObserver(observer_);
      std::string error;
      if (server.start(&error) != 0) {
        port.set_value(-1);
        uv_run(&loop, UV_RUN_DEFAULT);
        loopCloseResult_ = uv_loop_close(&loop);
        return;
      }
      server_ = &server;
      uv_async_init(&loop, &stopAsync_, [](uv_async_t* a) {
        auto* self = static_cast<ServerThread*>(a->data);
        self->finalMetrics_ = self->server_->metrics().render();
        self->server_->stop();
        uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);
      });
      stopAsync_.data = this;
      port.set_value(server.port());
      uv_run(&loop, UV_RUN_DEFAULT);
      server_ = nullptr;
    }
    loopCloseResult_ = uv_loop_close(&loop);
  }

  tgisim::ServerConfig config_;
  tgisim::ForwardObserver* observer_;
  std::optional<int> realtimeCpu_;
  std::thread thread_;
  uv_async_t stopAsync_{};
  tgisim::Server* server_ = nullptr;
  int port_ = 0;
  int loopCloseResult_ = -1;
  std::string finalMetrics_;
};

// A complete HTTP response as a client sees it.
struct HttpReply {
  int status = 0;
  Headers headers;
  std::string body;      // de-chunked
  bool complete = false; // the message ended (or the connection closed after it)
  bool closed = false;   // the server closed the connection
  const std::string* header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size() && strncasecmp(n.c_str(), name.data(), n.size()) == 0) {
        return &v;
      }
    }
    return nullptr;
  }
};

// A blocking HTTP/1.1 client for one request per connection, with a 10 s bound on every wait.
class BlockingClient final : public HttpMessageHandler {
public:
  explicit BlockingClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~BlockingClient() override { ::close(fd_); }

  void sendRaw(std::string_view bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      off += static_cast<size_t>(n);
    }
  }

  // Reads one response; raw bytes are kept in raw(). Bytes past its end (a pipelined answer
  // that came in the same recv) are kept for the next read().
  HttpReply read() {
    HttpParser parser(HttpParser::Kind::Response, *this, {.stopAfterMessage = true});
    reply_ = HttpReply{};
    std::string input = std::move(unread_);
    unread_.clear();
    char buffer[65536];
    while (!reply_.complete) {
      if (!input.empty()) {
        const auto r = parser.execute(input);
        if (r.status == ParseStatus::Error) {
          throw std::runtime_error("bad response");
        }
        unread_ = input.substr(r.consumed);
        input.clear();
        continue;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) {
        throw std::runtime_error("timed out waiting for the response");
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        reply_.closed = true;
        if (parser.finish() == EofState::Complete) {
          reply_.complete = true;
        }
        break;
      }
      raw_.append(buffer, static_cast<size_t>(n));
      input.assign(buffer, static_cast<size_t>(n));
    }
    return reply_;
  }

  // True when the server closed the connection (within 10 s).
  bool waitClosed() {
    char buffer[4096];
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) {
        return false;
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        return true;
      }
      raw_.append(buffer, static_cast<size_t>(n));
    }
  }

  // Reads until the raw bytes hold `needle` (10 s bound); false on timeout or close.
  bool waitFor(std::string_view needle) {
    char buffer[4096];
    while (raw_.find(needle) == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) {
        return false;
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        return false;
      }
      raw_.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }

  const std::string& raw() const { return raw_; }

  void onHead(const HttpHead& head) override {
    reply_.status = head.status;
    reply_.headers = head.headers;
  }
  void onBody(std::string_view chunk) override { reply_.body.append(chunk); }
  void onMessageComplete(const HttpHead&) override { reply_.complete = true; }

private:
  int fd_ = -1;
  HttpReply reply_;
  std::string raw_;
  std::string unread_; // received past the last response read()
};

inline std::string postRequest(std::string_view path, std::string_view body,
                               std::string_view contentType = "application/json") {
  std::string out = "POST " + std::string(path) + " HTTP/1.1\r\nhost: 127.0.0.1\r\n";
  if (!contentType.empty()) {
    out += "content-type: " + std::string(contentType) + "\r\n";
  }
  out += "content-length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

inline HttpReply post(int port, std::string_view path, std::string_view body,
                      std::string_view contentType = "application/json") {
  BlockingClient client(port);
  client.sendRaw(postRequest(path, body, contentType));
  return client.read();
}

inline HttpReply get(int port, std::string_view path, std::string_view method = "GET") {
  BlockingClient client(port);
  client.sendRaw(std::string(method) + " " + std::string(path) +
                 " HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
  return client.read();
}

// The `data:` payloads of an SSE body, in order; comments are skipped.
inline std::vector<std::string> sseData(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) {
      break;
    }
    const std::string event = body.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0) {
      out.push_back(event.substr(6));
    }
    pos = end + 2;
  }
  return out;
}

} // namespace tt::test
