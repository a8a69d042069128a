#include "proxy/scraper.h"

#include "core/http_parser.h"

#include <cstring>

namespace tt::proxy {

namespace {
constexpr int64_t kFetchTimeoutMs = 5'000;
constexpr uint64_t kMaxBody = 8 * 1024 * 1024;
} // namespace

// One GET on a fresh connection (Connection: close). Reports once, then frees itself in its
// close callback.
class Fetch final : public HttpMessageHandler {
public:
  Fetch(Scraper& scraper, std::string request)
      : scraper_(scraper), request_(std::move(request)),
        parser_(HttpParser::Kind::Response, *this, options()) {
    uv_tcp_init(scraper.loop_, &tcp_);
    tcp_.data = this;
    uv_timer_init(scraper.loop_, &timer_);
    timer_.data = this;
    connect_.data = this;
    ++scraper.live_;
    write_.data = this;
  }

  void start() {
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<Fetch*>(t->data)->finish("timed out"); },
        kFetchTimeoutMs, 0);
    const int rc = uv_tcp_connect(
        &connect_, &tcp_, reinterpret_cast<const sockaddr*>(&scraper_.addr_),
        [](uv_connect_t* req, int status) { static_cast<Fetch*>(req->data)->onConnect(status); });
    if (rc != 0) {
      finish(std::string("cannot connect: ") + uv_strerror(rc));
    }
  }

  // Reports (once) and closes; `abandon` closes without reporting (the scraper is stopping).
  void finish(std::string error, bool report = true) {
    if (closing_) {
      return;
    }
    closing_ = true;
    if (report) {
      scraper_.fetched(status_, std::move(body_), std::move(error));
    }
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Fetch::onClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Fetch::onClosed);
  }

  void onHead(const HttpHead& head) override { status_ = head.status; }
  void onBody(std::string_view chunk) override { body_ += chunk; }
  void onMessageComplete(const HttpHead& head) override {
    if (!head.isInterim()) {
      complete_ = true;
    }
  }

private:
  static HttpParser::Options options() {
    HttpParser::Options o;
    o.limits.maxBodyBytes = kMaxBody;
    return o;
  }
  static void onClosed(uv_handle_t* h) {
    auto* self = static_cast<Fetch*>(h->data);
    if (--self->open_ == 0) {
      Scraper& scraper = self->scraper_;
      delete self;
      --scraper.live_;
      scraper.maybeDone();
    }
  }

  void onConnect(int status) {
    if (closing_) {
      return;
    }
    if (status < 0) {
      finish(std::string("cannot connect: ") + uv_strerror(status));
      return;
    }
    uv_buf_t buf = uv_buf_init(request_.data(), static_cast<unsigned>(request_.size()));
    uv_write(&write_, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, [](uv_write_t*, int) {});
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&tcp_),
        [](uv_handle_t*, size_t, uv_buf_t* out) {
          static thread_local char buffer[16 * 1024];
          *out = uv_buf_init(buffer, sizeof buffer);
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* in) {
          static_cast<Fetch*>(s->data)->onRead(nread, in);
        });
  }

  void onRead(ssize_t nread, const uv_buf_t* buf) {
    if (closing_ || nread == 0) {
      return;
    }
    if (nread < 0) {
      if (nread == UV_EOF && parser_.finish() == EofState::Complete) {
        complete_ = true;
      }
      finish(complete_ ? "" : "connection closed mid-response");
      return;
    }
    const ParseResult r = parser_.execute(std::string_view(buf->base, static_cast<size_t>(nread)));
    if (r.status == ParseStatus::Error) {
      finish("malformed response: " + std::string(parser_.errorReason()));
    } else if (complete_) {
      finish("");
    }
  }

  Scraper& scraper_;
  std::string request_;
  HttpParser parser_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_;
  uv_write_t write_;
  int open_ = 2;
  int status_ = 0;
  std::string body_;
  bool complete_ = false;
  bool closing_ = false;
};

Scraper::Scraper(uv_loop_t* loop, HttpUrl upstream, const Clock& clock, int64_t originNs,
                 int64_t intervalMs, Sink sink)
    : loop_(loop), upstream_(std::move(upstream)), clock_(clock), originNs_(originNs),
      intervalMs_(intervalMs), sink_(std::move(sink)) {}

Scraper::~Scraper() = default;

int Scraper::start(std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  uv_getaddrinfo_t resolver;
  const std::string port = std::to_string(upstream_.port);
  const int rc =
      uv_getaddrinfo(loop_, &resolver, nullptr, upstream_.host.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    *error = "cannot resolve upstream host '" + upstream_.host + "': " + uv_strerror(rc);
    return rc;
  }
  std::memcpy(&addr_, resolver.addrinfo->ai_addr, resolver.addrinfo->ai_addrlen);
  uv_freeaddrinfo(resolver.addrinfo);
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  timerOpen_ = true;
  scrapeNow();
  return 0;
}

void Scraper::scrapeNow() {
  if (stopping_ || fetch_ != nullptr) {
    return;
  }
  step_ = 0;
  result_ = Result{};
  result_.tUs = (clock_.nowNs() - originNs_) / 1000;
  fetch_ = new Fetch(*this, "GET " + upstream_.prefix + "/info HTTP/1.1\r\nHost: " +
                                upstream_.hostHeader() + "\r\nConnection: close\r\n\r\n");
  fetch_->start();
}

void Scraper::fetched(int status, std::string body, std::string error) {
  fetch_ = nullptr;
  if (stopping_) {
    return;
  }
  const bool ok = error.empty() && status == 200;
  if (!ok) {
    result_.error += (result_.error.empty() ? "" : "; ") +
                     std::string(step_ == 0 ? "/info" : "/metrics") + ": " +
                     (error.empty() ? "status " + std::to_string(status) : error);
  }
  if (step_ == 0) {
    result_.infoOk = ok;
    result_.info = std::move(body);
    step_ = 1;
    fetch_ = new Fetch(*this, "GET " + upstream_.prefix + "/metrics HTTP/1.1\r\nHost: " +
                                  upstream_.hostHeader() + "\r\nConnection: close\r\n\r\n");
    fetch_->start();
    return;
  }
  result_.metricsOk = ok;
  result_.metrics = std::move(body);
  ++scrapes_;
  if (!result_.infoOk || !result_.metricsOk) {
    ++failures_;
  }
  sink_(std::move(result_));
  if (intervalMs_ > 0) {
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<Scraper*>(t->data)->scrapeNow(); },
        static_cast<uint64_t>(intervalMs_), 0);
  }
}

void Scraper::stop(std::function<void()> done) {
  stopping_ = true;
  done_ = std::move(done);
  if (fetch_ != nullptr) {
    Fetch* f = fetch_;
    fetch_ = nullptr;
    f->finish("stopped", false);
  }
  if (timerOpen_) {
    timerOpen_ = false;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) {
      auto* self = static_cast<Scraper*>(h->data);
      self->timerClosed_ = true;
      self->maybeDone();
    });
    return;
  }
  timerClosed_ = true;
  maybeDone();
}

void Scraper::maybeDone() {
  if (stopping_ && timerClosed_ && live_ == 0 && done_) {
    auto done = std::move(done_);
    done();
  }
}

} // namespace tt::proxy
