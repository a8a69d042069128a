#include "core/uv_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace tt {
namespace {

void closeIfOpen(uv_handle_t* handle, void* /*arg*/) {
  if (uv_is_closing(handle) == 0) {
    uv_close(handle, nullptr);
  }
}

} // namespace

int closeLoop(uv_loop_t* loop) {
  uv_walk(loop, &closeIfOpen, nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}

LoopGuard::LoopGuard() {
  uv_loop_init(&loop_);
}

LoopGuard::~LoopGuard() {
  close();
}

int LoopGuard::close() {
  if (!closed_) {
    closed_ = true;
    result_ = closeLoop(&loop_);
  }
  return result_;
}

int listenTcp(uv_loop_t* loop, uv_tcp_t* server, const std::string& host, int port, int backlog,
              uv_connection_cb onConnection, int* boundPort, std::string* error) {
  int rc = uv_tcp_init(loop, server);
  if (rc != 0) {
    *error = std::string("cannot create a TCP handle: ") + uv_strerror(rc);
    return rc;
  }
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0) {
    rc = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
    if (rc != 0) {
      *error = "cannot listen on '" + host + "': not an IPv4 or IPv6 address";
      return rc;
    }
  }
  const std::string where = host + ":" + std::to_string(port);
  rc = uv_tcp_bind(server, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(server), backlog, onConnection);
  }
  if (rc != 0) {
    *error = "cannot listen on " + where + ": " + uv_strerror(rc);
    return rc;
  }
  rc = localPort(server);
  if (rc < 0) {
    *error = "cannot read the bound port of " + where + ": " + uv_strerror(rc);
    return rc;
  }
  *boundPort = rc;
  return 0;
}

int localPort(const uv_tcp_t* handle) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  const int rc = uv_tcp_getsockname(handle, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) {
    return rc;
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
}

int setNoDelay(uv_tcp_t* handle) {
  return uv_tcp_nodelay(handle, 1);
}

} // namespace tt
