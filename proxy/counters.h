#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace tt::proxy {

// Why a connection or an exchange failed, by class (docs/style.md, "Errors by class").
enum class ErrorKind {
  ClientRead,        // read error on the client leg (reset)
  ClientWrite,       // write error on the client leg
  ClientAbort,       // the client went away while an exchange was open
  RequestMalformed,  // 400: syntax or ambiguous framing
  RequestTooLarge,   // 431 or 413
  HeaderTimeout,     // 408: the head did not arrive in time
  UpstreamConnect,   // connect failed or timed out (502)
  UpstreamRead,      // reset or closed before a complete response
  UpstreamWrite,     // write error on the upstream leg
  UpstreamMalformed, // bad framing or syntax from the upstream (502)
  UpstreamTimeout,   // the idle timeout fired while waiting on the upstream
  CaptureDropped,    // the capture queue was full
  ConnectionLimit,   // a client connection over Config::maxConnections, closed at once
  kCount,
};

// The `kind` label of each class in /metrics, in the enum's order.
inline constexpr std::array kErrorKindNames{
    std::pair{ErrorKind::ClientRead, std::string_view{"client_read"}},
    std::pair{ErrorKind::ClientWrite, std::string_view{"client_write"}},
    std::pair{ErrorKind::ClientAbort, std::string_view{"client_abort"}},
    std::pair{ErrorKind::RequestMalformed, std::string_view{"request_malformed"}},
    std::pair{ErrorKind::RequestTooLarge, std::string_view{"request_too_large"}},
    std::pair{ErrorKind::HeaderTimeout, std::string_view{"header_timeout"}},
    std::pair{ErrorKind::UpstreamConnect, std::string_view{"upstream_connect"}},
    std::pair{ErrorKind::UpstreamRead, std::string_view{"upstream_read"}},
    std::pair{ErrorKind::UpstreamWrite, std::string_view{"upstream_write"}},
    std::pair{ErrorKind::UpstreamMalformed, std::string_view{"upstream_malformed"}},
    std::pair{ErrorKind::UpstreamTimeout, std::string_view{"upstream_timeout"}},
    std::pair{ErrorKind::CaptureDropped, std::string_view{"capture_dropped"}},
    std::pair{ErrorKind::ConnectionLimit, std::string_view{"connection_limit"}},
};
static_assert(std::size(kErrorKindNames) == static_cast<size_t>(ErrorKind::kCount));

// The proxy's own counters. Touched on the event loop thread only.
struct Counters {
  uint64_t connectionsAccepted = 0;
  uint64_t connectionsOpen = 0;
  uint64_t upstreamConnects = 0; // new upstream connections attempted
  uint64_t upstreamReuses = 0;   // exchanges sent on a pooled connection
  uint64_t upstreamOpen = 0;     // upstream connections open (in use or idle)
  uint64_t upstreamIdle = 0;
  std::array<uint64_t, 6> exchanges{}; // by tt::Outcome
  uint64_t exchangesOpen = 0;
  uint64_t clientBytesIn = 0;
  uint64_t clientBytesOut = 0;
  uint64_t upstreamBytesIn = 0;
  uint64_t upstreamBytesOut = 0;
  uint64_t sseEvents = 0;
  uint64_t tokenEvents = 0;
  uint64_t readPauses = 0;      // reads stopped at the high watermark
  uint64_t peakQueuedBytes = 0; // the largest write queue seen on any leg
  std::array<uint64_t, static_cast<size_t>(ErrorKind::kCount)> errors{};

  void count(ErrorKind kind) { ++errors[static_cast<size_t>(kind)]; }
  uint64_t errorCount(ErrorKind kind) const { return errors[static_cast<size_t>(kind)]; }
};

} // namespace tt::proxy
