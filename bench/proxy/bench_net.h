#pragma once

// What the proxy benchmark's load tools (bench_upstream, sse_client) share: the clock an event's
// "t" is stamped with and read against, and their loopback TCP sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include <cstdint>

namespace tt::bench {

// CLOCK_MONOTONIC in nanoseconds: the same clock in both processes.
inline int64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// 127.0.0.1:port.
inline sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Nagle off, so each small write (a token event, a request) leaves at once.
inline void setNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

} // namespace tt::bench
