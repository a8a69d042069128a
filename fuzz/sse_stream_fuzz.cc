// Server-sent events (core/sse_splitter.h) and what the proxy makes of each event's data
// (proxy/token_scan.h, core/tgi_stream.h). Input: one control byte (where the stream is cut into
// three reads), then the bytes of a response body.
//
// Invariants:
// - Segmentation does not matter: events, comments and their offsets are the same whether the
//   body arrives in one read or in three (a CR at the end of one read and an LF opening the next
//   are one line end).
// - isTokenEvent's fast answer is only ever "yes" when classifyTgiEvent says Token: the proxy
//   counts a token on it without parsing the event.
// - Classifying and tallying any event never throws; the tally never counts down.
#include "core/sse_splitter.h"
#include "core/tgi_stream.h"
#include "fuzz/check.h"
#include "proxy/token_scan.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace tt::fuzz {
namespace {

class EventLog final : public SseHandler {
public:
  void onEvent(const SseEvent& event) override {
    log += "event " + std::string(event.event) + " id=" + std::string(event.id) + " at " +
           std::to_string(event.endOffset) + ":" + std::string(event.data) + "\n";
    if (proxy::isTokenEvent(event.data)) {
      FUZZ_CHECK(classifyTgiEvent(event.data).kind == TgiEventKind::Token);
    }
    const int64_t before = tally.tokens();
    tally.add(event.data);
    FUZZ_CHECK(tally.tokens() >= before);
  }
  void onComment(std::string_view text, uint64_t endOffset) override {
    log += "comment at " + std::to_string(endOffset) + ":" + std::string(text) + "\n";
  }

  std::string log;
  TgiStreamTally tally;
};

std::string split(std::string_view body, size_t cut1, size_t cut2) {
  EventLog log;
  // A small event limit, so that the limit is reached too.
  SseSplitter splitter(4096);
  const std::string_view pieces[] = {body.substr(0, cut1), body.substr(cut1, cut2 - cut1),
                                     body.substr(cut2)};
  bool ok = true;
  for (std::string_view piece : pieces) {
    ok = ok && splitter.feed(piece, log);
  }
  FUZZ_CHECK(ok != splitter.failed());
  if (ok) {
    FUZZ_CHECK(splitter.offset() == body.size());
    log.log += "partial=" + std::to_string(splitter.hasPartialEvent());
  }
  return log.log + " ok=" + std::to_string(ok);
}

} // namespace
} // namespace tt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const uint8_t control = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t cut2 = body.size() * (control & 15) / 15;
  const size_t cut1 = cut2 * (control >> 4) / 15;
  FUZZ_CHECK(tt::fuzz::split(body, body.size(), body.size()) == tt::fuzz::split(body, cut1, cut2));
  return 0;
}
