#include "core/sse_splitter.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace tt {
namespace {

class Log final : public SseHandler {
public:
  void onEvent(const SseEvent& e) override {
    std::string line = "event@" + std::to_string(e.endOffset) + " data=" + std::string(e.data);
    if (!e.event.empty()) {
      line += " type=" + std::string(e.event);
    }
    if (!e.id.empty()) {
      line += " id=" + std::string(e.id);
    }
    lines.push_back(line);
  }
  void onComment(std::string_view text, uint64_t endOffset) override {
    lines.push_back("comment@" + std::to_string(endOffset) + " " + std::string(text));
  }
  std::vector<std::string> lines;
};

std::vector<std::string> split(std::string_view input, const std::vector<size_t>& cuts) {
  Log log;
  SseSplitter splitter;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (const size_t end : ends) {
    REQUIRE(splitter.feed(input.substr(start, end - start), log));
    start = end;
  }
  REQUIRE(splitter.offset() == input.size());
  return log.lines;
}

// The events must not depend on segmentation: whole, every single cut, every pair of cuts.
std::vector<std::string> splitEveryWay(std::string_view input) {
  const auto whole = split(input, {});
  for (size_t a = 1; a < input.size(); ++a) {
    INFO("cut at " << a);
    REQUIRE(split(input, {a}) == whole);
    for (size_t b = a + 1; b < input.size(); ++b) {
      INFO("and at " << b);
      REQUIRE(split(input, {a, b}) == whole);
    }
  }
  return whole;
}

using Lines = std::vector<std::string>;

} // namespace

TEST_CASE("sse: TGI /generate_stream events and keep-alives", "[sse]") {
  const std::string stream = "data: {\"index\":1}\n\n"
                             ":\n\n"
                             "data:{\"index\":2}\n\n";
  CHECK(splitEveryWay(stream) ==
        Lines{"event@19 data={\"index\":1}", "comment@21 ", "event@40 data={\"index\":2}"});
}

TEST_CASE("sse: CRLF, CR and LF line endings give the same events", "[sse]") {
  CHECK(splitEveryWay("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n") ==
        Lines{"event@19 data=a\nb", "event@30 data=c"});
  CHECK(splitEveryWay("data: a\rdata: b\r\rdata: c\r\r") ==
        Lines{"event@17 data=a\nb", "event@26 data=c"});
  CHECK(splitEveryWay("data: a\ndata: b\n\ndata: c\n\n") ==
        Lines{"event@17 data=a\nb", "event@26 data=c"});
  // Mixed endings; `\r\n` counts once, `\n\r` twice.
  CHECK(splitEveryWay("data: x\r\n\ndata: y\n\r") == Lines{"event@10 data=x", "event@19 data=y"});
}

TEST_CASE("sse: fields, blank data, unknown fields and the BOM", "[sse]") {
  CHECK(splitEveryWay("\xEF\xBB\xBF"
                      "event: add\nid: 7\ndata\ndata:  two spaces\nretry: 10\nfoo: bar\n\n") ==
        Lines{"event@63 data=\n two spaces type=add id=7"});
  // No data: nothing is dispatched, and the event type does not leak into the next event.
  CHECK(splitEveryWay("event: x\n\ndata: y\n\n") == Lines{"event@19 data=y"});
  // `[DONE]` is plain data.
  CHECK(splitEveryWay("data: [DONE]\n\n") == Lines{"event@14 data=[DONE]"});
}

TEST_CASE("sse: a partial event is reported and never dispatched", "[sse]") {
  Log log;
  SseSplitter splitter;
  CHECK(splitter.feed("data: 1\n\ndata: 2\n", log));
  CHECK(splitter.hasPartialEvent());
  CHECK(log.lines == Lines{"event@9 data=1"});
  CHECK(splitter.feed("\n", log));
  CHECK_FALSE(splitter.hasPartialEvent());
  CHECK(log.lines == Lines{"event@9 data=1", "event@18 data=2"});
}

TEST_CASE("sse: an event over the size limit fails the splitter", "[sse]") {
  Log log;
  SseSplitter splitter(8);
  CHECK(splitter.feed("data: 1\n\n", log));
  CHECK_FALSE(splitter.feed("data: 123456789", log));
  CHECK(splitter.failed());
  CHECK_FALSE(splitter.feed("\n\n", log));
  CHECK(log.lines == Lines{"event@9 data=1"});
}

} // namespace tt
