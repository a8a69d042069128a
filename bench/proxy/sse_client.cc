// Streaming load for the proxy benchmark (epoll, one thread): C keep-alive connections, each
// POSTs /generate_stream, reads its SSE stream to the end and at once sends the next request.
// Per-event forwarding delay = CLOCK_MONOTONIC right after read() returns - the event's "t".
// Only events received after the warm-up count.
// Usage: sse_client PORT PATH CONNECTIONS WARMUP_S DURATION_S
// Prints: events eps p50_us p99_us p999_us max_us streams_done errors
#include "bench/proxy/bench_net.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using tt::bench::nowNs;

struct Conn {
  int fd = -1;
  std::string in;
  size_t scan = 0;
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: sse_client PORT PATH CONNECTIONS WARMUP_S DURATION_S\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string path = argv[2];
  const int c = std::atoi(argv[3]);
  const double warm = std::atof(argv[4]);
  const double dur = std::atof(argv[5]);
  const std::string body =
      R"({"inputs":"What is Deep Learning?","parameters":{"max_new_tokens":64}})";
  const std::string request = "POST " + path +
                              " HTTP/1.1\r\nHost: tgi\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  const int ep = epoll_create1(0);
  std::vector<Conn> conns(static_cast<size_t>(c));
  const int64_t t0 = nowNs();
  const int64_t warmEnd = t0 + static_cast<int64_t>(warm * 1e9);
  const int64_t end = warmEnd + static_cast<int64_t>(dur * 1e9);
  int opened = 0;
  std::vector<int64_t> delays;
  delays.reserve(1 << 22);
  long streams = 0;
  long errors = 0;
  std::vector<epoll_event> events(1024);
  char buf[65536];
  while (nowNs() < end) {
    // Open connections over the first second.
    const int64_t now0 = nowNs();
    const int want = std::min<int64_t>(c, 1 + (now0 - t0) * c / 1'000'000'000);
    while (opened < want) {
      Conn& k = conns[static_cast<size_t>(opened)];
      k.fd = ::socket(AF_INET, SOCK_STREAM, 0);
      tt::bench::setNoDelay(k.fd);
      const sockaddr_in addr = tt::bench::loopback(port);
      if (::connect(k.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ++errors;
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(opened);
      epoll_ctl(ep, EPOLL_CTL_ADD, k.fd, &ev);
      ::send(k.fd, request.data(), request.size(), MSG_NOSIGNAL);
      ++opened;
    }
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
    for (int i = 0; i < n; ++i) {
      Conn& k = conns[events[static_cast<size_t>(i)].data.u32];
      const ssize_t r = ::recv(k.fd, buf, sizeof buf, 0);
      const int64_t now = nowNs();
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) {
          continue;
        }
        ++errors;
        epoll_ctl(ep, EPOLL_CTL_DEL, k.fd, nullptr);
        ::close(k.fd);
        k.fd = -1;
        continue;
      }
      k.in.append(buf, static_cast<size_t>(r));
      for (;;) {
        const size_t t = k.in.find("\"t\":", k.scan);
        if (t == std::string::npos) {
          break;
        }
        const int64_t sent = std::strtoll(k.in.c_str() + t + 4, nullptr, 10);
        if (now >= warmEnd) {
          delays.push_back(now - sent);
        }
        k.scan = t + 4;
      }
      if (k.in.find("\r\n0\r\n\r\n") != std::string::npos) {
        ++streams;
        k.in.clear();
        k.scan = 0;
        ::send(k.fd, request.data(), request.size(), MSG_NOSIGNAL);
      }
    }
  }
  std::sort(delays.begin(), delays.end());
  const auto pct = [&](double p) {
    return delays.empty()
               ? 0.0
               : delays[std::min(delays.size() - 1, static_cast<size_t>(p * delays.size()))] /
                     1000.0;
  };
  std::printf("%zu %.0f %.0f %.0f %.0f %.0f %ld %ld\n", delays.size(), delays.size() / dur,
              pct(0.5), pct(0.99), pct(0.999), delays.empty() ? 0.0 : delays.back() / 1000.0,
              streams, errors);
  return 0;
}
