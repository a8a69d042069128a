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
  appendRequestLine(out, "POST", "", "/generate");
  for (const auto& [name, value] :
       Headers{{"Host", "a:1"}, {"Content-Length", "2"}, {"X-Forwarded-For", "::1"}}) {
    appendHeader(out, name, value);
  }
  appendHeadEnd(out);
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
  for (const auto& [status, line] : {std::pair{429, "HTTP/1.1 429 Too Many Requests\r\n"},
                                     {431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
                                     {599, "HTTP/1.1 599 Unknown\r\n"}}) {
    std::string head;
    appendResponseHead(head, status, {});
    CHECK(head == std::string(line) + "\r\n");
  }
}

} // namespace tt
