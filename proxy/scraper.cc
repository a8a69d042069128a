#include "proxy/scraper.h"

#include "core/http_client_connection.h"
#include "core/http_response_reader.h"

#include <algorithm>
#include <cstring>

namespace tt::proxy {

namespace {
constexpr uint64_t kFetchTimeoutMs = 5'000;
constexpr uint64_t kMaxBody = 8 * 1024 * 1024;
} // namespace

// One GET on a fresh connection (Connection: close), answered within kFetchTimeoutMs of its
// connect. Reports once, then frees itself once its connection has closed.
class Fetch final : private HttpClientConnectionOwner, private HttpResponseReader {
public:
  Fetch(Scraper& scraper, std::string request)
      : HttpResponseReader({.maxBodyBytes = kMaxBody}), scraper_(scraper),
        request_(std::move(request)), connection_(scraper.loop_, *this, scraper.clock_) {
    ++scraper.live_;
  }

  void start() {
    connection_.connect(reinterpret_cast<const sockaddr*>(&scraper_.addr_), kFetchTimeoutMs);
  }
  // Closes without reporting (the scraper is stopping).
  void abandon() {
    reported_ = true;
    connection_.close();
  }

private:
  void onConnected(HttpClientConnection& connection, int status) override {
    if (status != 0) {
      report(std::string("cannot connect: ") + uv_strerror(status));
      return;
    }
    const auto connectMs =
        static_cast<uint64_t>(scraper_.clock_.nowNs() - connection.connectStartedNs()) / 1'000'000;
    connection.send(std::move(request_), *this,
                    kFetchTimeoutMs - std::min(connectMs, kFetchTimeoutMs - 1));
  }
  void onRequestDone(HttpClientConnection& connection) override {
    report(std::move(error_));
    connection.close();
  }
  void onClosed(HttpClientConnection&) override {
    Scraper& scraper = scraper_;
    delete this;
    --scraper.live_;
    scraper.maybeDone();
  }

  void onResponseHead(const HttpHead& head, int64_t) override { status_ = head.status; }
  void onResponseBody(std::string_view chunk, int64_t) override { body_ += chunk; }
  void onResponseComplete(int64_t) override {}
  void onResponseFailed(Outcome, std::string error, int64_t) override { error_ = std::move(error); }

  void report(std::string error) {
    if (!reported_) {
      reported_ = true;
      scraper_.fetched(status_, std::move(body_), std::move(error));
    }
  }

  Scraper& scraper_;
  std::string request_;
  HttpClientConnection connection_;
  int status_ = 0;
  std::string body_;
  std::string error_; // why the response failed, if it did
  bool reported_ = false;
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
    f->abandon();
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
