#include "proxy/admin.h"

#include "core/http_parser.h"
#include "core/http_write.h"
#include "core/uv_util.h"

namespace tt::proxy {

// One admin connection: reads one request, answers it, closes. Freed in its close callback.
class AdminConn final : public HttpMessageHandler {
public:
  explicit AdminConn(AdminServer& server)
      : server_(server), parser_(HttpParser::Kind::Request, *this, options()) {
    uv_tcp_init(server.loop_, &tcp_);
    tcp_.data = this;
  }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  void start() {
    uv_read_start(
        stream(),
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
          static thread_local char buffer[4096];
          *buf = uv_buf_init(buffer, sizeof buffer);
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
          auto* self = static_cast<AdminConn*>(s->data);
          if (nread < 0) {
            self->close();
          } else if (nread > 0 && !self->answered_) {
            const ParseResult r =
                self->parser_.execute(std::string_view(buf->base, static_cast<size_t>(nread)));
            if (r.status == ParseStatus::Error) {
              self->respond(400, "text/plain", "bad request\n");
            }
          }
        });
  }

  void close() {
    if (closing_) {
      return;
    }
    closing_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), [](uv_handle_t* h) {
      auto* self = static_cast<AdminConn*>(h->data);
      AdminServer& server = self->server_;
      server.connClosed(self);
      delete self;
    });
  }

  void onHead(const HttpHead& head) override {
    method_ = head.method;
    target_ = head.target.substr(0, head.target.find('?'));
  }
  void onBody(std::string_view) override {}
  void onMessageComplete(const HttpHead&) override {
    if (method_ != "GET" && method_ != "HEAD") {
      respond(405, "text/plain", "method not allowed\n");
    } else if (target_ == "/metrics") {
      respond(200, "text/plain; version=0.0.4", server_.metrics_());
    } else if (target_ == "/healthz") {
      const bool ok = server_.healthy_();
      respond(ok ? 200 : 503, "text/plain", ok ? "ok\n" : "draining\n");
    } else {
      respond(404, "text/plain", "not found: try /metrics or /healthz\n");
    }
  }

private:
  static HttpParser::Options options() {
    HttpParser::Options o;
    o.limits.maxHeaderBytes = 16 * 1024;
    o.limits.maxBodyBytes = 0;
    o.stopAfterMessage = true;
    return o;
  }

  void respond(int status, std::string_view type, const std::string& body) {
    if (answered_) {
      return;
    }
    answered_ = true;
    out_.clear();
    appendStatusLine(out_, status,
                     status == 200   ? "OK"
                     : status == 404 ? "Not Found"
                     : status == 503 ? "Service Unavailable"
                                     : "Error");
    appendHeader(out_, "Content-Type", type);
    appendHeader(out_, "Content-Length", std::to_string(body.size()));
    appendHeader(out_, "Connection", "close");
    appendHeadEnd(out_);
    if (method_ != "HEAD") {
      out_ += body;
    }
    uv_buf_t buf = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
    write_.data = this;
    if (uv_write(&write_, stream(), &buf, 1,
                 [](uv_write_t* req, int) { static_cast<AdminConn*>(req->data)->close(); }) != 0) {
      close();
    }
  }

  AdminServer& server_;
  uv_tcp_t tcp_;
  uv_write_t write_;
  HttpParser parser_;
  std::string method_;
  std::string target_;
  std::string out_;
  bool answered_ = false;
  bool closing_ = false;
};

AdminServer::AdminServer(uv_loop_t* loop, Render metrics, std::function<bool()> healthy)
    : loop_(loop), metrics_(std::move(metrics)), healthy_(std::move(healthy)) {}

int AdminServer::start(const std::string& host, int port, std::string* error) {
  listening_ = true;
  const int rc =
      listenTcp(loop_, &listener_, host, port, 64, &AdminServer::onConnection, &port_, error);
  listener_.data = this;
  if (rc != 0) {
    *error = "admin endpoint: " + *error;
  }
  return rc;
}

void AdminServer::onConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<AdminServer*>(listener->data);
  if (status < 0 || self->closing_) {
    return;
  }
  auto* conn = new AdminConn(*self);
  self->conns_.insert(conn);
  if (uv_accept(listener, conn->stream()) != 0) {
    conn->close();
    return;
  }
  conn->start();
}

void AdminServer::connClosed(AdminConn* conn) {
  conns_.erase(conn);
  maybeDone();
}

void AdminServer::close(std::function<void()> done) {
  closing_ = true;
  done_ = std::move(done);
  if (listening_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), [](uv_handle_t* h) {
      auto* self = static_cast<AdminServer*>(h->data);
      self->listenerClosed_ = true;
      self->maybeDone();
    });
  } else {
    listenerClosed_ = true;
  }
  for (AdminConn* conn : std::set<AdminConn*>(conns_)) {
    conn->close();
  }
  maybeDone();
}

void AdminServer::maybeDone() {
  if (closing_ && listenerClosed_ && conns_.empty() && done_) {
    auto done = std::move(done_);
    done();
  }
}

} // namespace tt::proxy
