#pragma once

#include "core/exchange.h"

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

// Why a message was refused. Each kind maps to one status a server answers with
// (httpStatusFor); on the upstream leg a proxy answers 502 for all of them.
enum class HttpError {
  None,
  HeaderTooLarge, // request line + headers over Limits::maxHeaderBytes (431)
  UriTooLong,     // request target over Limits::maxUrlBytes (414)
  TooManyHeaders, // more header lines than Limits::maxHeaders (431)
  BodyTooLarge,   // Content-Length or received body over Limits::maxBodyBytes (413)
  Malformed,      // syntax llhttp or our own checks refuse (400)
  BadFraming,     // ambiguous framing: CL+TE, duplicate CL, bad TE, TE before HTTP/1.1,
                  // framing look-alike names, a 1xx or 204 announcing a body (400)
  DataAfterClose, // bytes after a message that closes the connection (400)
};


// The status a server answers a request refused for `error` with: 431, 414, 413 or 400.
int httpStatusFor(HttpError error);

struct HttpLimits {
  size_t maxHeaderBytes = 64 * 1024; // start line + header lines + the blank line
  size_t maxHeaders = 100;
  size_t maxUrlBytes = SIZE_MAX; // request target; it also counts towards maxHeaderBytes
  uint64_t maxBodyBytes = UINT64_MAX;
};

// One parsed message head, copied out of the input: valid until the next message begins.
struct HttpHead {
  // Requests.
  std::string method;
  std::string target;
  // Responses.
  int status = 0;
  std::string reason;

  int versionMajor = 1;
  int versionMinor = 1;
  Headers headers;  // names as sent; values with surrounding whitespace removed
  Headers trailers; // chunked trailers, complete by onMessageComplete

  std::optional<uint64_t> contentLength;
  bool chunked = false;
  bool keepAlive = true;    // the connection may carry another message after this one
  bool upgrade = false;     // CONNECT, or Upgrade accepted (101): the bytes after it are not HTTP
  bool hasBody = false;     // a body follows (CL > 0, chunked, or close-delimited)
  size_t headBytes = 0;     // size of the head on the wire, leading blank lines excluded
  bool httpProtocol = true; // requests: the protocol is HTTP/x.y (llhttp also takes RTSP, ICE)

  // The value of the first header named `name` (case-insensitive), or nullptr.
  const std::string* find(std::string_view name) const;
  bool isInterim() const { return status >= 100 && status < 200 && status != 101; }
};

// What a parser reports to its owner. Spans are borrowed: valid only during the call.
class HttpMessageHandler {
public:
  virtual ~HttpMessageHandler() = default;
  virtual void onHead(const HttpHead& head) = 0;
  virtual void onBody(std::string_view chunk) = 0;
  virtual void onMessageComplete(const HttpHead& head) = 0;
};

enum class ParseStatus {
  Ok,         // every byte consumed; feed more when it arrives
  MessageEnd, // stopped right after a complete message (Options::stopAfterMessage)
  Upgrade,    // the message switched protocols; the bytes after `consumed` are not HTTP
  Error,      // refused: see error(); the connection must be closed
};

struct ParseResult {
  ParseStatus status = ParseStatus::Ok;
  size_t consumed = 0; // bytes of the input that belong to HTTP messages parsed so far
};

// What finish() found at end of input.
enum class EofState {
  Idle,      // between messages: a clean close
  Complete,  // the close ended a close-delimited response body: complete
  Truncated, // a message had begun and its framing says it is not finished
};

// An incremental HTTP/1.1 parser over llhttp 8.1.0 (strict build) for one direction of one
// connection. It adds the checks llhttp 9 makes and 8.1.0 lacks (leading whitespace and obs-fold
// header lines, empty header names, bare CR or LF in the head, `Connection: close<TAB>`, CL+TE,
// duplicate CL, non-chunked TE in requests, response status lines), and enforces limits.
// It never throws on input bytes.
class HttpParser {
public:
  enum class Kind { Request, Response };
  struct Options {
    HttpLimits limits;
    bool stopAfterMessage = false; // return MessageEnd after each message
  };

  HttpParser(Kind kind, HttpMessageHandler& handler, Options options);
  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  // Parses `data`. After an Error or Upgrade, further calls return the same status and consume
  // nothing.
  ParseResult execute(std::string_view data);

  // Call at end of input (the peer closed); reports whether a message was cut short.
  EofState finish();

  // Starts over as on a new connection (errors, offsets, HEAD flag cleared), keeping the
  // buffers of the heads it parsed: a proxy reuses one parser for every upstream connection.
  void reset();

  // Response parsers: the request this response answers was HEAD, so it carries no body. Holds
  // for the responses that follow until changed.
  void setHeadRequest(bool head) { headRequest_ = head; }

  HttpError error() const { return error_; }
  std::string_view errorReason() const { return errorReason_; }
  // The llhttp error code of the refusal (HPE_USER for our own checks), or HPE_OK.
  int llhttpErrno() const { return llhttpErrno_; }
  // Bytes consumed since construction.
  uint64_t offset() const { return offset_; }
  // True when a message has begun and not completed.
  bool inMessage() const { return midMessage_; }

private:
  // The head scanner's states: it runs over the bytes of every head before llhttp does.
  enum class Scan {
    BeforeMessage, // blank lines between messages
    BeforeMessageCr,
    StartLine,
    StartLineCr,
    LineStart,
    HeaderLine,
    HeaderLineCr,
    FinalCr,
    Body, // llhttp alone until the message completes
  };

  template <auto M> static int dataCb(llhttp_t* p, const char* at, size_t len);
  template <auto M> static int eventCb(llhttp_t* p);
  static const llhttp_settings_t& settings();

  int onMessageBegin();
  int onUrl(const char* at, size_t len);
  int onStatus(const char* at, size_t len);
  int onMethod(const char* at, size_t len);
  int onHeaderField(const char* at, size_t len);
  int onHeaderFieldComplete();
  int onHeaderValue(const char* at, size_t len);
  int onHeadersComplete();
  int onBody(const char* at, size_t len);
  int onMessageComplete();

  // Scans head bytes; returns how many belong to the head (all of `data` when it does not end
  // there), or records a refusal in scanError_ and returns the offset of the offending byte.
  size_t scanHead(std::string_view data);
  void scanFail(HttpError error, const char* reason);
  bool checkStartLine();
  bool checkFraming();
  void fail(HttpError error, const char* reason);
  // Moves a list's strings to spare_ and empties it.
  void recycle(Headers& list);
  // An empty string, with the buffer of a spare one when there is one.
  std::string spareString();

  Kind kind_;
  HttpMessageHandler& handler_;
  Options options_;
  llhttp_t parser_;

  Scan scan_ = Scan::BeforeMessage;
  size_t headBytes_ = 0;
  size_t headerLines_ = 0;
  std::string startLine_;     // response status line, for checkStatusLine
  bool startLineHttp_ = true; // the request line's protocol is HTTP/
  HttpError scanError_ = HttpError::None;
  const char* scanReason_ = "";
  bool midMessage_ = false;
  bool inField_ = false;
  bool inTrailers_ = false;
  bool headRequest_ = false;
  bool closeToken_ = false; // a Connection header lists `close`
  bool closed_ = false;     // the last message closes the connection
  bool finishing_ = false;  // inside llhttp_finish
  uint64_t bodyBytes_ = 0;
  uint64_t offset_ = 0;
  HttpHead head_;
  // Header strings of earlier messages, kept for their buffers: a parser that reads many
  // messages allocates for the first ones only. Never more than the largest head held.
  std::vector<std::string> spare_;

  HttpError error_ = HttpError::None;
  ParseStatus sticky_ = ParseStatus::Ok;
  const char* errorReason_ = "";
  int llhttpErrno_ = HPE_OK;
};

} // namespace tt
