#include "core/http_parser.h"

#include "core/http_headers.h"

namespace tt {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Parses a Content-Length value: digits only, no overflow.
std::optional<uint64_t> parseLength(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (const char c : s) {
    if (!isDigit(c)) {
      return std::nullopt;
    }
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return std::nullopt;
    }
    v = v * 10 + d;
  }
  return v;
}

bool isAlnum(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// True when `name`, with everything but letters and digits left out, is `contentlength` or
// `transferencoding` while the name itself is neither (the caller compared those first).
bool isFramingLookAlike(std::string_view name) {
  static constexpr std::string_view kTargets[] = {"contentlength", "transferencoding"};
  for (const std::string_view target : kTargets) {
    size_t matched = 0;
    bool same = true;
    for (const char c : name) {
      if (!isAlnum(c)) {
        continue;
      }
      if (matched == target.size() || asciiLower(c) != target[matched]) {
        same = false;
        break;
      }
      ++matched;
    }
    if (same && matched == target.size()) {
      return true;
    }
  }
  return false;
}

HttpError errorForLlhttp(int err) {
  switch (err) {
  case HPE_UNEXPECTED_CONTENT_LENGTH:
  case HPE_INVALID_CONTENT_LENGTH:
  case HPE_INVALID_TRANSFER_ENCODING:
  case HPE_INVALID_CHUNK_SIZE:
    return HttpError::BadFraming;
  case HPE_CLOSED_CONNECTION:
    return HttpError::DataAfterClose;
  default:
    return HttpError::Malformed;
  }
}

} // namespace

int httpStatusFor(HttpError error) {
  switch (error) {
  case HttpError::HeaderTooLarge:
  case HttpError::TooManyHeaders:
    return 431;
  case HttpError::UriTooLong:
    return 414;
  case HttpError::BodyTooLarge:
    return 413;
  case HttpError::None:
  case HttpError::Malformed:
  case HttpError::BadFraming:
  case HttpError::DataAfterClose:
    return 400;
  }
  return 400;
}

const std::string* HttpHead::find(std::string_view name) const {
  return findHeader(headers, name);
}

template <auto M> int HttpParser::dataCb(llhttp_t* p, const char* at, size_t len) {
  return (static_cast<HttpParser*>(p->data)->*M)(at, len);
}

template <auto M> int HttpParser::eventCb(llhttp_t* p) {
  return (static_cast<HttpParser*>(p->data)->*M)();
}

const llhttp_settings_t& HttpParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t init;
    llhttp_settings_init(&init);
    init.on_message_begin = &eventCb<&HttpParser::onMessageBegin>;
    init.on_url = &dataCb<&HttpParser::onUrl>;
    init.on_status = &dataCb<&HttpParser::onStatus>;
    init.on_method = &dataCb<&HttpParser::onMethod>;
    init.on_header_field = &dataCb<&HttpParser::onHeaderField>;
    init.on_header_field_complete = &eventCb<&HttpParser::onHeaderFieldComplete>;
    init.on_header_value = &dataCb<&HttpParser::onHeaderValue>;
    init.on_headers_complete = &eventCb<&HttpParser::onHeadersComplete>;
    init.on_body = &dataCb<&HttpParser::onBody>;
    init.on_message_complete = &eventCb<&HttpParser::onMessageComplete>;
    return init;
  }();
  return s;
}

HttpParser::HttpParser(Kind kind, HttpMessageHandler& handler, Options options)
    : kind_(kind), handler_(handler), options_(options) {
  llhttp_init(&parser_, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
  parser_.data = this;
}

void HttpParser::reset() {
  llhttp_init(&parser_, kind_ == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
  parser_.data = this;
  scan_ = Scan::BeforeMessage;
  headBytes_ = 0;
  headerLines_ = 0;
  startLine_.clear();
  startLineHttp_ = true;
  scanError_ = HttpError::None;
  scanReason_ = "";
  midMessage_ = false;
  inField_ = false;
  inTrailers_ = false;
  headRequest_ = false;
  closeToken_ = false;
  closed_ = false;
  finishing_ = false;
  bodyBytes_ = 0;
  offset_ = 0;
  error_ = HttpError::None;
  sticky_ = ParseStatus::Ok;
  errorReason_ = "";
  llhttpErrno_ = HPE_OK;
}

void HttpParser::recycle(Headers& list) {
  for (auto& [name, value] : list) {
    spare_.push_back(std::move(name));
    spare_.push_back(std::move(value));
  }
  list.clear();
}

std::string HttpParser::spareString() {
  if (spare_.empty()) {
    return {};
  }
  std::string s = std::move(spare_.back());
  spare_.pop_back();
  s.clear();
  return s;
}

void HttpParser::fail(HttpError error, const char* reason) {
  if (error_ == HttpError::None) {
    error_ = error;
    errorReason_ = reason;
  }
}

ParseResult HttpParser::execute(std::string_view data) {
  if (sticky_ != ParseStatus::Ok) {
    return {sticky_, 0};
  }
  size_t pos = 0;
  while (pos < data.size()) {
    if (closed_) {
      fail(HttpError::DataAfterClose, "Data after `Connection: close`");
      llhttpErrno_ = HPE_CLOSED_CONNECTION;
      sticky_ = ParseStatus::Error;
      offset_ += pos;
      return {sticky_, pos};
    }
    size_t end = data.size();
    if (scan_ != Scan::Body) {
      end = pos + scanHead(data.substr(pos));
    }
    const char* base = data.data();
    const llhttp_errno_t err = llhttp_execute(&parser_, base + pos, end - pos);
    if (err == HPE_OK) {
      pos = end;
      if (scanError_ != HttpError::None) {
        fail(scanError_, scanReason_);
        llhttpErrno_ = HPE_USER;
        sticky_ = ParseStatus::Error;
        offset_ += pos;
        return {sticky_, pos};
      }
      continue;
    }
    pos = static_cast<size_t>(llhttp_get_error_pos(&parser_) - base);
    if (err == HPE_PAUSED) {
      llhttp_resume(&parser_);
      if (options_.stopAfterMessage) {
        offset_ += pos;
        return {ParseStatus::MessageEnd, pos};
      }
      continue;
    }
    offset_ += pos;
    if (err == HPE_PAUSED_UPGRADE) {
      sticky_ = ParseStatus::Upgrade;
      return {sticky_, pos};
    }
    fail(errorForLlhttp(err), err == HPE_PAUSED_H2_UPGRADE
                                  ? "HTTP/2 connection preface is not supported"
                                  : llhttp_get_error_reason(&parser_));
    llhttpErrno_ = err;
    sticky_ = ParseStatus::Error;
    return {sticky_, pos};
  }
  offset_ += data.size();
  return {ParseStatus::Ok, data.size()};
}

EofState HttpParser::finish() {
  if (!midMessage_) {
    return EofState::Idle;
  }
  if (sticky_ != ParseStatus::Ok) {
    return EofState::Truncated;
  }
  finishing_ = true;
  const llhttp_errno_t err = llhttp_finish(&parser_);
  finishing_ = false;
  return (err == HPE_OK && !midMessage_) ? EofState::Complete : EofState::Truncated;
}

size_t HttpParser::scanHead(std::string_view data) {
  const size_t maxBytes = options_.limits.maxHeaderBytes;
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (scan_ != Scan::BeforeMessage && scan_ != Scan::BeforeMessageCr) {
      if (++headBytes_ > maxBytes) {
        scanFail(HttpError::HeaderTooLarge, "Header section too large");
        return i;
      }
    }
    switch (scan_) {
    case Scan::BeforeMessage:
      if (c == '\r') {
        scan_ = Scan::BeforeMessageCr;
      } else if (c == '\n') {
        scanFail(HttpError::Malformed, "Bare LF before message");
        return i;
      } else {
        scan_ = Scan::StartLine;
        headBytes_ = 1;
        headerLines_ = 0;
        startLine_.clear();
        startLine_.push_back(c);
      }
      break;
    case Scan::BeforeMessageCr:
    case Scan::StartLineCr:
    case Scan::HeaderLineCr:
      if (c != '\n') {
        scanFail(HttpError::Malformed, "Expected LF after CR");
        return i;
      }
      if (scan_ == Scan::BeforeMessageCr) {
        scan_ = Scan::BeforeMessage;
      } else {
        if (scan_ == Scan::StartLineCr && !checkStartLine()) {
          return i;
        }
        scan_ = Scan::LineStart;
      }
      break;
    case Scan::StartLine:
      if (c == '\r') {
        scan_ = Scan::StartLineCr;
      } else if (c == '\n') {
        scanFail(HttpError::Malformed, "Missing expected CR after start line");
        return i;
      } else {
        startLine_.push_back(c);
      }
      break;
    case Scan::LineStart:
      if (c == '\r') {
        scan_ = Scan::FinalCr;
      } else if (c == '\n') {
        scanFail(HttpError::Malformed, "Missing expected CR after header value");
        return i;
      } else if (c == ' ' || c == '\t') {
        scanFail(HttpError::Malformed, "Whitespace at the start of a header line (obs-fold)");
        return i;
      } else if (c == ':') {
        scanFail(HttpError::Malformed, "Empty header name");
        return i;
      } else if (++headerLines_ > options_.limits.maxHeaders) {
        scanFail(HttpError::TooManyHeaders, "Too many header lines");
        return i;
      } else {
        scan_ = Scan::HeaderLine;
      }
      break;
    case Scan::HeaderLine:
      if (c == '\r') {
        scan_ = Scan::HeaderLineCr;
      } else if (c == '\n') {
        scanFail(HttpError::Malformed, "Missing expected CR after header value");
        return i;
      }
      break;
    case Scan::FinalCr:
      if (c != '\n') {
        scanFail(HttpError::Malformed, "Expected LF after headers");
        return i;
      }
      scan_ = Scan::Body;
      return i + 1;
    case Scan::Body:
      return i;
    }
  }
  return data.size();
}

void HttpParser::scanFail(HttpError error, const char* reason) {
  scanError_ = error;
  scanReason_ = reason;
}

bool HttpParser::checkStartLine() {
  if (kind_ == Kind::Request) {
    const size_t sp = startLine_.rfind(' ');
    startLineHttp_ = sp != std::string::npos && startLine_.compare(sp + 1, 5, "HTTP/") == 0;
    return true;
  }
  // "HTTP/x.y" SP 3DIGIT [SP reason]: llhttp 9 refuses one-digit codes and a second space. Codes
  // outside 100..599 are invalid (RFC 9110 §15); llhttp takes any three digits, and `012` would
  // reach the client as `12`.
  const std::string_view line = startLine_;
  const size_t sp = line.find(' ');
  const bool ok = sp != std::string_view::npos && line.size() >= sp + 4 && line[sp + 1] >= '1' &&
                  line[sp + 1] <= '5' && isDigit(line[sp + 2]) && isDigit(line[sp + 3]) &&
                  (line.size() == sp + 4 || line[sp + 4] == ' ');
  if (!ok) {
    scanFail(HttpError::Malformed, "Invalid status code");
  }
  return ok;
}

int HttpParser::onMessageBegin() {
  midMessage_ = true;
  inField_ = false;
  inTrailers_ = false;
  bodyBytes_ = 0;
  head_.method.clear();
  head_.target.clear();
  head_.status = 0;
  head_.reason.clear();
  recycle(head_.headers);
  recycle(head_.trailers);
  head_.contentLength.reset();
  head_.chunked = false;
  head_.keepAlive = true;
  head_.upgrade = false;
  head_.hasBody = false;
  head_.headBytes = 0;
  return 0;
}

int HttpParser::onUrl(const char* at, size_t len) {
  if (head_.target.size() + len > options_.limits.maxUrlBytes) {
    fail(HttpError::UriTooLong, "Request target too long");
    return HPE_USER;
  }
  head_.target.append(at, len);
  return 0;
}

int HttpParser::onStatus(const char* at, size_t len) {
  head_.reason.append(at, len);
  return 0;
}

int HttpParser::onMethod(const char* at, size_t len) {
  head_.method.append(at, len);
  return 0;
}

int HttpParser::onHeaderField(const char* at, size_t len) {
  Headers& list = inTrailers_ ? head_.trailers : head_.headers;
  if (!inField_) {
    if (inTrailers_ && list.size() >= options_.limits.maxHeaders) {
      fail(HttpError::TooManyHeaders, "Too many trailer lines");
      return HPE_USER;
    }
    list.emplace_back(spareString(), spareString());
    inField_ = true;
  }
  list.back().first.append(at, len);
  return 0;
}

int HttpParser::onHeaderFieldComplete() {
  inField_ = false;
  return 0;
}

int HttpParser::onHeaderValue(const char* at, size_t len) {
  Headers& list = inTrailers_ ? head_.trailers : head_.headers;
  std::string& value = list.back().second;
  if (value.size() + len > options_.limits.maxHeaderBytes) {
    fail(HttpError::HeaderTooLarge, "Trailer too large");
    return HPE_USER;
  }
  value.append(at, len);
  return 0;
}

// RFC 9112 §6 in one place: how long a message is, or why it is refused. Requests refused here
// get 400 and a close; responses, 502 from a proxy. docs/proxy.md, "Framing", has the table.
bool HttpParser::checkFraming() {
  int lengths = 0;
  int codings = 0; // transfer codings listed, over every Transfer-Encoding line
  int chunkedCount = 0;
  bool chunkedLast = false;
  bool emptyCoding = false;
  bool closeToken = false;
  for (auto& [name, value] : head_.headers) {
    const std::string_view trimmed = trimOws(value);
    if (trimmed.size() != value.size()) {
      value = std::string(trimmed);
    }
    if (name.empty()) {
      fail(HttpError::Malformed, "Empty header name");
      return false;
    }
    if (iequals(name, "content-length")) {
      ++lengths;
      head_.contentLength = parseLength(value);
      if (!head_.contentLength) {
        fail(HttpError::BadFraming, "Invalid Content-Length");
        return false;
      }
    } else if (iequals(name, "transfer-encoding")) {
      std::string_view list = value;
      do {
        const size_t comma = list.find(',');
        const std::string_view coding = trimOws(list.substr(0, comma));
        ++codings;
        emptyCoding = emptyCoding || coding.empty();
        chunkedLast = iequals(coding, "chunked");
        chunkedCount += chunkedLast ? 1 : 0;
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      } while (!list.empty());
    } else if (iequals(name, "connection")) {
      closeToken = closeToken || hasToken(value, "close");
    } else if (isFramingLookAlike(name)) {
      // Content_Length, Transfer--Encoding, ...: a server that folds `_` into `-` (CGI, WSGI)
      // or ignores punctuation would frame the message differently from us.
      fail(HttpError::BadFraming, "Header name resembling Content-Length or Transfer-Encoding");
      return false;
    }
  }
  const bool te = codings > 0;
  if (lengths > 1) {
    fail(HttpError::BadFraming, "Duplicate Content-Length");
    return false;
  }
  if (te && lengths > 0) {
    fail(HttpError::BadFraming, "Transfer-Encoding can't be present with Content-Length");
    return false;
  }
  if (emptyCoding || chunkedCount > 1) {
    fail(HttpError::BadFraming, "Invalid Transfer-Encoding");
    return false;
  }
  // Transfer-Encoding exactly `chunked`: TGI needs no other coding, and the proxy re-frames
  // bodies itself, so another coding would reach the peer unlabelled.
  const bool onlyChunked = codings == 1 && chunkedLast;
  if (te && !(head_.versionMajor == 1 && head_.versionMinor == 1)) {
    // RFC 9112 §6.1: an HTTP/1.0 (or 0.9) message with Transfer-Encoding has faulty framing.
    fail(HttpError::BadFraming, "Transfer-Encoding on a message before HTTP/1.1");
    return false;
  }
  if (kind_ == Kind::Request) {
    if (te && !onlyChunked) {
      fail(HttpError::BadFraming, "Transfer-Encoding other than a single chunked");
      return false;
    }
  } else if (head_.isInterim() || head_.status == 204) {
    // RFC 9110 §8.6 and RFC 9112 §6.1: these never carry a body, so a sender announcing one is
    // out of step with its own byte stream. `Content-Length: 0` announces nothing.
    if (te || head_.contentLength.value_or(0) > 0) {
      fail(HttpError::BadFraming, "1xx or 204 response announcing a body");
      return false;
    }
  } else if (te && !onlyChunked && !headRequest_ && head_.status != 304) {
    // On HEAD answers and 304 the header describes the body a GET would get (RFC 9112 §6.1).
    fail(HttpError::BadFraming, "Transfer-Encoding other than a single chunked");
    return false;
  }
  head_.chunked = onlyChunked;
  closeToken_ = closeToken;
  return true;
}

int HttpParser::onHeadersComplete() {
  head_.versionMajor = llhttp_get_http_major(&parser_);
  head_.versionMinor = llhttp_get_http_minor(&parser_);
  head_.status = kind_ == Kind::Response ? llhttp_get_status_code(&parser_) : 0;
  head_.headBytes = headBytes_;
  head_.httpProtocol = kind_ == Kind::Response || startLineHttp_;
  inTrailers_ = true;
  if (!checkFraming()) {
    return -1;
  }
  if (head_.contentLength && *head_.contentLength > options_.limits.maxBodyBytes) {
    fail(HttpError::BodyTooLarge, "Content-Length over the body limit");
    return -1;
  }
  // RFC 9112 §6.3 rule 1: whatever its headers say, this response ends with its head. llhttp
  // 8.1.0 would read a Content-Length body after a 204 or 304 unless told to skip it.
  const bool skipBody = kind_ == Kind::Response && (headRequest_ || head_.isInterim() ||
                                                    head_.status == 204 || head_.status == 304);
  head_.upgrade =
      llhttp_get_upgrade(&parser_) != 0 || (kind_ == Kind::Request && head_.method == "CONNECT");
  if (!skipBody) {
    head_.hasBody = head_.chunked || (head_.contentLength && *head_.contentLength > 0) ||
                    (kind_ == Kind::Response && !head_.contentLength && !head_.chunked);
  }
  head_.keepAlive = llhttp_should_keep_alive(&parser_) != 0 && !closeToken_;
  if (kind_ == Kind::Response && head_.hasBody && !head_.contentLength && !head_.chunked) {
    head_.keepAlive = false; // close-delimited
  }
  // A 101 ends the HTTP part right after its head, whatever framing it announces (llhttp 9).
  const bool switching = kind_ == Kind::Response && head_.status == 101;
  if (switching) {
    head_.hasBody = false;
    head_.upgrade = true;
  }
  handler_.onHead(head_);
  return switching ? 2 : skipBody ? 1 : 0;
}

int HttpParser::onBody(const char* at, size_t len) {
  // Up to the limit exactly, so what the handler sees does not depend on segmentation.
  const uint64_t room = options_.limits.maxBodyBytes - bodyBytes_;
  if (len > room) {
    if (room > 0) {
      handler_.onBody(std::string_view(at, static_cast<size_t>(room)));
    }
    bodyBytes_ = options_.limits.maxBodyBytes;
    fail(HttpError::BodyTooLarge, "Body over the limit");
    return HPE_USER;
  }
  bodyBytes_ += len;
  handler_.onBody(std::string_view(at, len));
  return 0;
}

int HttpParser::onMessageComplete() {
  for (auto& [name, value] : head_.trailers) {
    value = std::string(trimOws(value));
  }
  midMessage_ = false;
  scan_ = Scan::BeforeMessage;
  head_.keepAlive = llhttp_should_keep_alive(&parser_) != 0 && !closeToken_;
  handler_.onMessageComplete(head_);
  if (!head_.keepAlive && !head_.upgrade && !head_.isInterim()) {
    closed_ = true;
  }
  if (finishing_ || parser_.upgrade != 0) {
    return 0;
  }
  return HPE_PAUSED;
}

} // namespace tt
