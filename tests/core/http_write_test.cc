#include "core/http_parser.h"
#include "core/http_write.h"

#include <catch2/catch.hpp>

namespace tt {
namespace {

class Capture final : public HttpMessageHandler {
public:
  void onHead(const HttpHead& h) override { head = h; }
  void onBody(std::string_view chunk) override { body += chunk; }
  void onMessageComplete(const HttpHead& /*head*/) override { ++complete; }
  HttpHead head;
  std::string body;
  int complete = 0;
};

} // namespace

TEST_CASE("http write: request head, exact bytes, parses back", "[http]") {
  std::string out;
  appendRequestHead(out, "POST", "/generate",
                    {{"Host", "a:1"}, {"Content-Length", "2"}, {"X-Forwarded-For", "::1"}});
  out += "{}";
  CHECK(out == "POST /generate HTTP/1.1\r\nHost: a:1\r\nContent-Length: 2\r\n"
               "X-Forwarded-For: ::1\r\n\r\n{}");
  Capture cap;
  HttpParser parser(HttpParser::Kind::Request, cap, {});
  CHECK(parser.execute(out).status == ParseStatus::Ok);
  CHECK(cap.complete == 1);
  CHECK(cap.head.method == "POST");
  CHECK(cap.body == "{}");
}

TEST_CASE("http write: chunked SSE response parses back", "[http]") {
  std::string out;
  appendResponseHead(out, 200,
                     {{"content-type", "text/event-stream"}, {"transfer-encoding", "chunked"}});
  appendChunk(out, "data: {\"index\":1}\n\n");
  appendChunk(out, "");
  appendChunk(out, std::string(300, 'x'));
  appendLastChunk(out);
  CHECK(out.starts_with(
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
      "transfer-encoding: chunked\r\n\r\n13\r\ndata: {\"index\":1}\n\n\r\n12c\r\n"));
  CHECK(out.ends_with("\r\n0\r\n\r\n"));
  Capture cap;
  HttpParser parser(HttpParser::Kind::Response, cap, {});
  CHECK(parser.execute(out).status == ParseStatus::Ok);
  CHECK(cap.complete == 1);
  CHECK(cap.body == "data: {\"index\":1}\n\n" + std::string(300, 'x'));
  CHECK(reasonPhrase(429) == "Too Many Requests");
  CHECK(reasonPhrase(431) == "Request Header Fields Too Large");
  CHECK(reasonPhrase(599) == "Unknown");
}

} // namespace tt
