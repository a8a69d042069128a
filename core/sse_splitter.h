#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tt {

// One dispatched server-sent event. Spans are borrowed: valid only during the callback.
struct SseEvent {
  std::string_view data;  // the event's data lines joined with '\n'
  std::string_view event; // the `event:` field, empty when absent
  std::string_view id;    // the `id:` field, empty when absent
  uint64_t endOffset = 0; // stream offset just past the byte that completed the event
};

class SseHandler {
public:
  virtual ~SseHandler() = default;
  virtual void onEvent(const SseEvent& event) = 0;
  // A comment line (`:` first), such as TGI's keep-alive `:\n\n`; `text` follows the colon.
  virtual void onComment(std::string_view text, uint64_t endOffset) = 0;
};

// Splits an SSE byte stream into events, per the WHATWG event-stream rules: lines end in CRLF,
// LF or CR; `field: value` with one optional space after the colon; a blank line dispatches the
// event when it has data. Works on any segmentation: a CR at the end of one chunk ends the line
// at once, and an LF opening the next chunk is then skipped. A leading UTF-8 BOM is dropped.
class SseSplitter {
public:
  explicit SseSplitter(size_t maxEventBytes = 16 * 1024 * 1024) : maxEventBytes_(maxEventBytes) {}

  // Feeds bytes; returns false (and stays failed) when one event grows past maxEventBytes.
  bool feed(std::string_view bytes, SseHandler& handler);

  // Bytes fed so far (the offsets events report are on this axis).
  uint64_t offset() const { return offset_; }
  // True when bytes of an unfinished event are buffered (a stream cut here lost them).
  bool hasPartialEvent() const { return !line_.empty() || hasData_ || !event_.empty(); }
  bool failed() const { return failed_; }

private:
  void processLine(std::string_view line, SseHandler& handler, uint64_t endOffset);

  size_t maxEventBytes_;
  std::string line_;
  std::string data_;
  std::string event_;
  std::string id_;
  bool hasData_ = false;
  bool skipLf_ = false;
  bool failed_ = false;
  uint64_t offset_ = 0;
  int bomState_ = 0; // bytes of the BOM matched so far; -1 once past the start
};

} // namespace tt
