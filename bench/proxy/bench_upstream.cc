// A TGI-like upstream for the proxy benchmark (epoll, one thread, keep-alive):
//   POST /generate        -> a 306-byte JSON answer with TGI's x-* headers, at once;
//   POST /generate_stream -> chunked SSE, N token events `gap` ms apart (?gap_ms=G&n=N), each
//                            carrying "t" = CLOCK_MONOTONIC ns taken just before its write.
// Usage: bench_upstream PORT [N=64] [GAP_MS=20]
#include "bench/proxy/bench_net.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using tt::bench::nowNs;

struct Conn {
  int fd = -1;
  std::string in;
  bool streaming = false;
  int next = 0;
  int n = 64;
  int64_t gapNs = 20'000'000;
  int64_t start = 0;
  uint64_t gen = 0; // invalidates stale timer entries
};

const std::string kSmallBody =
    R"([{"generated_text":" for /api/v1/projects/1 and the rest of the answer text here","details":{"finish_reason":"length","generated_tokens":10,"seed":null,"prefill":[],"tokens":[]}}])"
    R"(                                                                                                                       )";

std::string smallResponse() {
  std::string body = kSmallBody.substr(0, 306);
  return "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-compute-type: gpu+optimized\r\n"
         "x-compute-time: 0.5\r\nx-total-time: 500\r\nx-validation-time: 1\r\nx-queue-time: 2\r\n"
         "x-inference-time: 497\r\nx-time-per-token: 49\r\nx-prompt-tokens: 3\r\n"
         "x-generated-tokens: 10\r\ncontent-length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void writeAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t w = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (w <= 0) {
      if (w < 0 && errno == EAGAIN) {
        continue; // tiny writes on loopback: spin rather than buffer
      }
      return;
    }
    off += static_cast<size_t>(w);
  }
}

long queryInt(const std::string& target, const char* key, long dflt) {
  const size_t q = target.find(std::string(key) + "=");
  return q == std::string::npos ? dflt
                                : std::strtol(target.c_str() + q + strlen(key) + 1, nullptr, 10);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_upstream PORT [N] [GAP_MS]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int defaultN = argc > 2 ? std::atoi(argv[2]) : 64;
  const int defaultGap = argc > 3 ? std::atoi(argv[3]) : 20;
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in addr = tt::bench::loopback(port);
  if (::bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(lfd, 4096) != 0) {
    std::perror("listen");
    return 1;
  }
  const int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, Conn> conns;
  using Due = std::pair<int64_t, std::pair<int, uint64_t>>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> timers;
  const std::string small = smallResponse();
  std::vector<epoll_event> events(1024);
  for (;;) {
    int timeout = -1;
    if (!timers.empty()) {
      const int64_t left = timers.top().first - nowNs();
      timeout = left <= 0 ? 0 : static_cast<int>((left + 999'999) / 1'000'000);
    }
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<size_t>(i)].data.fd;
      if (fd == lfd) {
        for (;;) {
          const int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) {
            break;
          }
          tt::bench::setNoDelay(c);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c].fd = c;
        }
        continue;
      }
      Conn& c = conns[fd];
      char buf[16384];
      bool closed = false;
      for (;;) {
        const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r > 0) {
          c.in.append(buf, static_cast<size_t>(r));
          continue;
        }
        closed = r == 0 || (r < 0 && errno != EAGAIN);
        break;
      }
      if (closed) {
        ::close(fd);
        conns.erase(fd);
        continue;
      }
      // Requests: head, then Content-Length bytes of body.
      for (;;) {
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos || c.streaming) {
          break;
        }
        size_t length = 0;
        const size_t cl = c.in.find("ontent-Length:");
        const size_t cl2 = c.in.find("ontent-length:");
        const size_t at = cl < end ? cl : (cl2 < end ? cl2 : std::string::npos);
        if (at != std::string::npos) {
          length = std::strtoul(c.in.c_str() + at + 14, nullptr, 10);
        }
        if (c.in.size() < end + 4 + length) {
          break;
        }
        const std::string target = c.in.substr(
            c.in.find(' ') + 1, c.in.find(' ', c.in.find(' ') + 1) - c.in.find(' ') - 1);
        c.in.erase(0, end + 4 + length);
        if (target.rfind("/generate_stream", 0) == 0) {
          c.streaming = true;
          c.n = static_cast<int>(queryInt(target, "n", defaultN));
          c.gapNs = queryInt(target, "gap_ms", defaultGap) * 1'000'000;
          c.next = 1;
          c.start = nowNs();
          ++c.gen;
          writeAll(
              fd,
              "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
              "x-accel-buffering: no\r\ntransfer-encoding: chunked\r\n\r\n");
          timers.push({c.start + c.gapNs, {fd, c.gen}});
        } else {
          writeAll(fd, small);
        }
      }
    }
    const int64_t now = nowNs();
    while (!timers.empty() && timers.top().first <= now) {
      const auto [fd, gen] = timers.top().second;
      timers.pop();
      auto it = conns.find(fd);
      if (it == conns.end() || it->second.gen != gen || !it->second.streaming) {
        continue;
      }
      Conn& c = it->second;
      const bool last = c.next == c.n;
      char data[512];
      const int len = std::snprintf(
          data, sizeof data,
          "data: {\"index\":%d,\"token\":{\"id\":363,\"text\":\" for\",\"logprob\":-1.5351562,"
          "\"special\":false},\"generated_text\":%s,\"details\":null,\"t\":%lld}\n\n",
          c.next, last ? "\" for /api/v1/projects/1\"" : "null", static_cast<long long>(nowNs()));
      char head[32];
      const int hl = std::snprintf(head, sizeof head, "%x\r\n", len);
      std::string out(head, static_cast<size_t>(hl));
      out.append(data, static_cast<size_t>(len));
      out += "\r\n";
      if (last) {
        out += "0\r\n\r\n";
        c.streaming = false;
      } else {
        ++c.next;
        timers.push({c.start + int64_t{c.next} * c.gapNs, {fd, c.gen}});
      }
      writeAll(fd, out);
    }
  }
}
