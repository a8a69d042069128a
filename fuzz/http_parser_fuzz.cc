// HTTP/1.1 message parsing (core/http_parser.h) and the request head the proxy forwards
// (proxy/forward_headers.h). Input: one control byte, then the bytes of one direction of a
// connection. The control byte picks requests or responses, HEAD for responses, and two places
// where the bytes are cut into three reads.
//
// Invariants:
// - Segmentation does not matter: the messages, bodies, trailers, status, error and bytes
//   consumed are the same whether the bytes arrive in one read or in three. A parser that frames
//   differently by where TCP happens to cut would put a proxy's two legs out of step under load.
// - Never more consumed than fed.
// - A request head the proxy accepts, forwarded with its header rules, parses again to the same
//   method and target, and carries no hop-by-hop header.
#include "core/http_headers.h"
#include "core/http_parser.h"
#include "fuzz/check.h"
#include "proxy/forward_headers.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace tt::fuzz {
namespace {

// Everything a parser reports, as one string, with bodies joined across reads.
class MessageLog final : public HttpMessageHandler {
public:
  explicit MessageLog(bool checkForwarding) : checkForwarding_(checkForwarding) {}

  void onHead(const HttpHead& head) override {
    log += "head " + head.method + " " + head.target + " " + std::to_string(head.status) + " " +
           head.reason + " " + std::to_string(head.versionMajor) + "." +
           std::to_string(head.versionMinor) +
           " cl=" + (head.contentLength ? std::to_string(*head.contentLength) : "-") +
           " chunked=" + std::to_string(head.chunked) + " keep=" + std::to_string(head.keepAlive) +
           " upgrade=" + std::to_string(head.upgrade) + " body=" + std::to_string(head.hasBody) +
           " bytes=" + std::to_string(head.headBytes) + "\n";
    appendHeaders(head.headers);
    // The proxy refuses CONNECT and the RTSP and ICE requests llhttp also parses.
    if (checkForwarding_ && head.httpProtocol && head.method != "CONNECT") {
      checkForwardedHead(head);
    }
  }
  void onBody(std::string_view chunk) override { body_ += chunk; }
  void onMessageComplete(const HttpHead& head) override {
    log += "body " + std::to_string(body_.size()) + ":" + body_ + "\ncomplete\n";
    body_.clear();
    appendHeaders(head.trailers);
  }
  // Call once input ends: an unfinished message's body so far.
  void end() { log += "partial " + body_; }

  std::string log;

private:
  void appendHeaders(const Headers& headers) {
    for (const auto& [name, value] : headers) {
      log += name + ": " + value + "\n";
    }
  }

  static void checkForwardedHead(const HttpHead& head) {
    std::string out = head.method + " " + head.target + " HTTP/1.1\r\n";
    proxy::appendRequestHeaders(out, head.headers, "127.0.0.1", "upstream.test");
    out += "\r\n";
    struct Heads final : HttpMessageHandler {
      int count = 0;
      void onHead(const HttpHead& again) override {
        ++count;
        method = again.method;
        target = again.target;
        for (const auto& header : again.headers) {
          FUZZ_CHECK(!isHopByHop(header.first));
        }
      }
      void onBody(std::string_view) override {}
      void onMessageComplete(const HttpHead&) override {}
      std::string method, target;
    } heads;
    // The forwarded head gains X-Forwarded-For and Host: room for both beyond the client's limits.
    HttpParser::Options options;
    options.limits.maxHeaders += 2;
    options.limits.maxHeaderBytes += 4096;
    HttpParser parser(HttpParser::Kind::Request, heads, options);
    const ParseResult result = parser.execute(out);
    FUZZ_CHECK(result.status != ParseStatus::Error);
    FUZZ_CHECK(heads.count == 1);
    FUZZ_CHECK(heads.method == head.method && heads.target == head.target);
  }

  bool checkForwarding_;
  std::string body_;
};

struct Outcome {
  std::string log;
  ParseStatus status = ParseStatus::Ok;
  size_t consumed = 0;
  HttpError error = HttpError::None;
  EofState eof = EofState::Idle;
  bool operator==(const Outcome&) const = default;
};

Outcome parse(HttpParser::Kind kind, bool head, std::string_view bytes, size_t cut1, size_t cut2,
              bool checkForwarding) {
  MessageLog log(checkForwarding);
  HttpParser parser(kind, log, {});
  parser.setHeadRequest(head);
  Outcome outcome;
  const std::string_view pieces[] = {bytes.substr(0, cut1), bytes.substr(cut1, cut2 - cut1),
                                     bytes.substr(cut2)};
  for (std::string_view piece : pieces) {
    const ParseResult result = parser.execute(piece);
    FUZZ_CHECK(result.consumed <= piece.size());
    outcome.consumed += result.consumed;
    outcome.status = result.status;
    if (result.status != ParseStatus::Ok) {
      break;
    }
  }
  if (outcome.status == ParseStatus::Ok) {
    outcome.eof = parser.finish();
  }
  log.end();
  outcome.log = std::move(log.log);
  outcome.error = parser.error();
  return outcome;
}

} // namespace
} // namespace tt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tt;
  if (size == 0) {
    return 0;
  }
  const uint8_t control = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto kind = (control & 1) ? HttpParser::Kind::Response : HttpParser::Kind::Request;
  const bool head = (control & 2) != 0;
  const size_t cut2 = bytes.size() * ((control >> 2) & 7) / 7;
  const size_t cut1 = cut2 * (control >> 5) / 7;

  const fuzz::Outcome whole =
      fuzz::parse(kind, head, bytes, bytes.size(), bytes.size(), kind == HttpParser::Kind::Request);
  const fuzz::Outcome cut = fuzz::parse(kind, head, bytes, cut1, cut2, false);
  FUZZ_CHECK(whole == cut);
  return 0;
}
