#include "core/sse_splitter.h"

#include <cstring>

namespace tt {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The first CR or LF at or after `from`, or npos. Two memchr calls: find_first_of("\r\n")
// costs one call per byte.
size_t findEol(std::string_view s, size_t from) {
  const char* begin = s.data() + from;
  const size_t n = s.size() - from;
  const void* lf = std::memchr(begin, '\n', n);
  const size_t lfAt = lf == nullptr ? n : static_cast<size_t>(static_cast<const char*>(lf) - begin);
  const void* cr = std::memchr(begin, '\r', lfAt);
  if (cr != nullptr) {
    return from + static_cast<size_t>(static_cast<const char*>(cr) - begin);
  }
  return lf == nullptr ? std::string_view::npos : from + lfAt;
}

} // namespace

bool SseSplitter::feed(std::string_view bytes, SseHandler& handler) {
  if (failed_) {
    return false;
  }
  size_t i = 0;
  // The BOM is checked byte by byte so that it may be split too.
  while (bomState_ >= 0 && i < bytes.size()) {
    if (bytes[i] != kBom[static_cast<size_t>(bomState_)]) {
      line_.append(kBom.substr(0, static_cast<size_t>(bomState_)));
      bomState_ = -1;
      break;
    }
    ++i;
    if (++bomState_ == static_cast<int>(kBom.size())) {
      bomState_ = -1;
    }
  }
  const uint64_t base = offset_;
  while (i < bytes.size()) {
    if (skipLf_) {
      skipLf_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    const size_t eol = findEol(bytes, i);
    if (eol == std::string_view::npos) {
      line_.append(bytes.substr(i));
      i = bytes.size();
      break;
    }
    // A line wholly inside `bytes` is read in place; one begun in an earlier feed is joined.
    std::string_view line = bytes.substr(i, eol - i);
    if (!line_.empty()) {
      line_.append(line);
      line = line_;
    }
    skipLf_ = bytes[eol] == '\r';
    i = eol + 1;
    processLine(line, handler, base + i);
    if (line.size() + data_.size() > maxEventBytes_) {
      failed_ = true;
      return false;
    }
    line_.clear();
  }
  offset_ = base + bytes.size();
  if (line_.size() + data_.size() > maxEventBytes_) {
    failed_ = true;
    return false;
  }
  return true;
}

void SseSplitter::processLine(std::string_view line, SseHandler& handler, uint64_t endOffset) {
  if (line.empty()) {
    if (hasData_) {
      SseEvent ev;
      ev.data = data_;
      ev.event = event_;
      ev.id = id_;
      ev.endOffset = endOffset;
      handler.onEvent(ev);
    }
    data_.clear();
    event_.clear();
    hasData_ = false;
    return;
  }
  if (line.front() == ':') {
    handler.onComment(line.substr(1), endOffset);
    return;
  }
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (hasData_) {
      data_.push_back('\n');
    }
    data_.append(value);
    hasData_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      id_.assign(value);
    }
  }
}

} // namespace tt
