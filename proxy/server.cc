#include "proxy/server.h"

#include "core/enum_names.h"
#include "core/uv_util.h"
#include "proxy/session.h"

#include <csignal>
#include <cstring>

namespace tt::proxy {

std::optional<Redact> redactFromName(std::string_view name) {
  return valueOf<Redact>(kRedactNames, name);
}

// ---- UpstreamConn --------------------------------------------------------------------------

UpstreamConn::UpstreamConn(Server& server) : server_(server) {
  uv_tcp_init(server.loop(), &tcp_);
  tcp_.data = this;
  connectReq_.data = this;
}

void UpstreamConn::close() {
  if (closing_) {
    return;
  }
  closing_ = true;
  if (idle_) {
    server_.removeIdle(this);
  }
  owner_ = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &UpstreamConn::onClosed);
}

void UpstreamConn::onClosed(uv_handle_t* handle) {
  auto* conn = static_cast<UpstreamConn*>(handle->data);
  Server& server = conn->server_;
  delete conn;
  server.upstreamClosed();
}

void UpstreamConn::onAllocRead(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  *buf = static_cast<UpstreamConn*>(handle->data)->server_.readBuffer();
}

void UpstreamConn::onConnect(uv_connect_t* req, int status) {
  auto* conn = static_cast<UpstreamConn*>(req->data);
  if (conn->closing_) {
    return;
  }
  if (status == 0) {
    conn->connected_ = true;
    setNoDelay(&conn->tcp_);
  }
  if (conn->owner_ != nullptr) {
    conn->owner_->onUpstreamConnected(status);
  } else {
    conn->close(); // its session went away while it connected
  }
}

void UpstreamConn::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* conn = static_cast<UpstreamConn*>(stream->data);
  if (conn->owner_ != nullptr) {
    conn->owner_->onUpstreamRead(nread, buf);
  } else if (nread != 0) {
    conn->server_.onIdleUpstreamRead(conn, nread);
  }
}

// ---- Server --------------------------------------------------------------------------------

Server::Server(uv_loop_t* loop, const Config& config, Recorder& recorder, const Clock& clock)
    : loop_(loop), config_(config), recorder_(recorder), clock_(clock), originNs_(clock.nowNs()) {}

Server::~Server() = default;

int Server::start(std::string* error) {
  // A peer that resets while we write must cost an error code, never the process.
  signal(SIGPIPE, SIG_IGN);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  uv_getaddrinfo_t resolver;
  const std::string port = std::to_string(config_.upstream.port);
  int rc = uv_getaddrinfo(loop_, &resolver, nullptr, config_.upstream.host.c_str(), port.c_str(),
                          &hints);
  if (rc != 0) {
    *error = "cannot resolve upstream host '" + config_.upstream.host + "': " + uv_strerror(rc);
    return rc;
  }
  std::memcpy(&upstreamAddr_, resolver.addrinfo->ai_addr, resolver.addrinfo->ai_addrlen);
  uv_freeaddrinfo(resolver.addrinfo);

  uv_timer_init(loop_, &drainTimer_);
  drainTimer_.data = this;
  ++ownHandlesOpen_;
  listener_.data = this;
  rc = listenTcp(loop_, &listener_, config_.listenHost, config_.listenPort, 1024,
                 &Server::onConnection, &port_, error);
  ++ownHandlesOpen_;
  listener_.data = this;
  started_ = true;
  return rc;
}

// Over the connection limit: accepted and closed at once, so that the connection neither waits
// in the kernel's backlog nor costs a session (HAProxy's `maxconn` queues instead; a client of
// TGI retries sooner on a refusal than on a silent wait).
void Server::refuseConnection(uv_stream_t* listener) {
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(listener->loop, tcp);
  uv_accept(listener, reinterpret_cast<uv_stream_t*>(tcp));
  uv_close(reinterpret_cast<uv_handle_t*>(tcp),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
}

void Server::onConnection(uv_stream_t* listener, int status) {
  auto* server = static_cast<Server*>(listener->data);
  if (status < 0 || server->shuttingDown_) {
    return;
  }
  if (server->sessions_ >= server->config_.maxConnections) {
    refuseConnection(listener);
    server->counters_.count(ErrorKind::ConnectionLimit);
    return;
  }
  auto* session = new Session(*server);
  ++server->counters_.connectionsAccepted;
  session->start(listener);
}

void Server::sessionOpened(Session* session) {
  session->next_ = sessionsHead_;
  if (sessionsHead_ != nullptr) {
    sessionsHead_->prev_ = session;
  }
  sessionsHead_ = session;
  ++sessions_;
  counters_.connectionsOpen = sessions_;
}

void Server::sessionClosed(Session* session) {
  if (session->prev_ != nullptr) {
    session->prev_->next_ = session->next_;
  } else {
    sessionsHead_ = session->next_;
  }
  if (session->next_ != nullptr) {
    session->next_->prev_ = session->prev_;
  }
  --sessions_;
  counters_.connectionsOpen = sessions_;
  if (shuttingDown_ && sessions_ == 0) {
    while (idleHead_ != nullptr) {
      idleHead_->close();
    }
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&drainTimer_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&drainTimer_), &Server::onHandleClosed);
    }
    maybeFinishShutdown();
  }
}

UpstreamConn* Server::acquireUpstream(Session* owner, bool* reused) {
  if (idleHead_ != nullptr) {
    UpstreamConn* conn = idleHead_;
    removeIdle(conn);
    conn->owner_ = owner; // it stays read: the session sees its bytes from now on
    *reused = true;
    ++counters_.upstreamReuses;
    return conn;
  }
  auto* conn = new UpstreamConn(*this);
  ++upstreamOpen_;
  counters_.upstreamOpen = upstreamOpen_;
  ++counters_.upstreamConnects;
  uv_tcp_nodelay(conn->tcp(), 1);
  const int rc =
      uv_tcp_connect(&conn->connectReq_, conn->tcp(),
                     reinterpret_cast<const sockaddr*>(&upstreamAddr_), &UpstreamConn::onConnect);
  if (rc != 0) {
    counters_.count(ErrorKind::UpstreamConnect);
    conn->close();
    return nullptr;
  }
  conn->owner_ = owner;
  *reused = false;
  return conn;
}

void Server::releaseUpstream(UpstreamConn* conn, bool reusable) {
  conn->owner_ = nullptr;
  if (!reusable || shuttingDown_ || idle_ >= config_.maxIdleUpstream || !conn->connected_ ||
      conn->pendingWrites_ > 0 || conn->closing_) {
    conn->close();
    return;
  }
  conn->idle_ = true;
  conn->prevIdle_ = nullptr;
  conn->nextIdle_ = idleHead_;
  if (idleHead_ != nullptr) {
    idleHead_->prevIdle_ = conn;
  }
  idleHead_ = conn;
  ++idle_;
  counters_.upstreamIdle = idle_;
  // Read while idle: an upstream that closes (or talks out of turn) is noticed at once. Most
  // connections come back still read by their session (UV_EALREADY).
  const int rc = uv_read_start(conn->stream(), &UpstreamConn::onAllocRead, &UpstreamConn::onRead);
  if (rc != 0 && rc != UV_EALREADY) {
    conn->close();
  }
}

void Server::removeIdle(UpstreamConn* conn) {
  if (!conn->idle_) {
    return;
  }
  if (conn->prevIdle_ != nullptr) {
    conn->prevIdle_->nextIdle_ = conn->nextIdle_;
  } else {
    idleHead_ = conn->nextIdle_;
  }
  if (conn->nextIdle_ != nullptr) {
    conn->nextIdle_->prevIdle_ = conn->prevIdle_;
  }
  conn->idle_ = false;
  conn->prevIdle_ = conn->nextIdle_ = nullptr;
  --idle_;
  counters_.upstreamIdle = idle_;
}

void Server::onIdleUpstreamRead(UpstreamConn* conn, ssize_t) {
  conn->close(); // EOF, reset, or bytes nobody asked for: never reuse it
}

void Server::upstreamClosed() {
  --upstreamOpen_;
  counters_.upstreamOpen = upstreamOpen_;
  maybeFinishShutdown();
}

void Server::shutdown(int64_t drainMs, std::function<void()> done) {
  if (shuttingDown_) {
    return;
  }
  shuttingDown_ = true;
  onShutdown_ = std::move(done);
  if (started_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), &Server::onHandleClosed);
  }
  while (idleHead_ != nullptr) {
    idleHead_->close();
  }
  for (Session* s = sessionsHead_; s != nullptr; s = s->next_) {
    s->drain();
  }
  if (started_) {
    if (sessions_ == 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&drainTimer_), &Server::onHandleClosed);
    } else {
      uv_timer_start(&drainTimer_, &Server::onDrainTimer, static_cast<uint64_t>(drainMs), 0);
    }
  }
  maybeFinishShutdown();
}

void Server::onDrainTimer(uv_timer_t* timer) {
  auto* server = static_cast<Server*>(timer->data);
  // Streams still open at the drain deadline are cut; they are recorded as timeouts.
  for (Session* s = server->sessionsHead_; s != nullptr; s = s->next_) {
    s->now_ = server->clock_.nowNs();
    if (s->state_ == Session::State::Exchange) {
      s->upstreamBroken_ = true;
      s->finishExchange(Outcome::Timeout, "the proxy shut down before the response ended");
    }
    s->close();
  }
}

void Server::onHandleClosed(uv_handle_t* handle) {
  auto* server = static_cast<Server*>(handle->data);
  --server->ownHandlesOpen_;
  server->maybeFinishShutdown();
}

void Server::maybeFinishShutdown() {
  if (!shuttingDown_ || shutdownDone_ || sessions_ != 0 || upstreamOpen_ != 0 ||
      ownHandlesOpen_ != 0) {
    return;
  }
  shutdownDone_ = true;
  if (onShutdown_) {
    auto done = std::move(onShutdown_);
    done();
  }
}

} // namespace tt::proxy
