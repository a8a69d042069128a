#pragma once

#include "core/exchange.h"
#include "schema/db.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

enum class TraceKind { Capture, Replay, Import, Simulation };
std::string_view traceKindName(TraceKind kind);
std::optional<TraceKind> traceKindFromName(std::string_view name);

// Whether a trace's run ended: a trace that is not Complete is partial.
enum class TraceState {
  Recording,   // its run goes on, or ended without closing the trace (a crash)
  Complete,    // its run ended normally
  Interrupted, // its run was stopped before its end (Ctrl-C during a replay)
};
std::string_view traceStateName(TraceState state);
std::optional<TraceState> traceStateFromName(std::string_view name);

// A user-facing problem with a database file: the message says what and what to do.
class StoreError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct NewTrace {
  TraceKind kind = TraceKind::Capture;
  std::string label;
  std::string target;
  std::string parametersJson = "{}";
  std::string serverInfoJson = "{}";
  std::optional<int64_t> sourceTraceId;
  int64_t originUnixUs = 0; // 0: now
  // A run that writes as it goes starts Recording and is closed by setTraceState; a trace
  // written in one go is Complete at once.
  TraceState state = TraceState::Complete;
};

struct TraceInfo {
  int64_t id = 0;
  TraceKind kind = TraceKind::Capture;
  std::string label;
  std::string created;
  int64_t originUnixUs = 0;
  std::string target;
  std::string parametersJson;
  std::string serverInfoJson;
  std::optional<int64_t> sourceTraceId;
  TraceState state = TraceState::Complete;
  int64_t requests = 0;
  std::optional<int64_t> firstSentUs;
  std::optional<int64_t> lastEndUs;
};

struct Sample {
  int64_t tUs = 0;
  std::string name;
  std::string labels;
  double value = 0;
};

// Everything that reads or writes a tracetune database goes through a Store. Opening checks the
// file is a tracetune database, migrates an older schema forward and refuses a newer one.
class Store {
public:
  static constexpr int kSchemaVersion = 4;
  enum class Access {
    Read,   // an existing file; migrated when writable, read-only if the file is
    Create, // created if missing
  };

  explicit Store(const std::string& path, Access access = Access::Create);

  int64_t createTrace(const NewTrace& trace);
  void setServerInfo(int64_t traceId, std::string_view json);
  void setTraceState(int64_t traceId, TraceState state);
  // Removes a trace with its requests and samples: what a command that failed leaves behind.
  void deleteTrace(int64_t traceId);
  // Appends in one transaction and sets each exchange's id.
  void append(int64_t traceId, std::span<Exchange> exchanges);
  void appendSamples(int64_t traceId, std::span<const Sample> samples);

  std::vector<TraceInfo> listTraces();
  std::optional<TraceInfo> findTrace(int64_t traceId);
  // Visits a trace's exchanges by send time (then id), decoding one row at a time.
  void forEachExchange(int64_t traceId, const std::function<void(Exchange&&)>& visit);
  std::vector<Exchange> exchanges(int64_t traceId);

  db::Db& db() { return db_; }

private:
  db::Db db_;
};

// Opens `path` for a writer (WAL, synchronous=NORMAL, busy timeout) and brings its schema up to
// date. Shared by Store and the capture writer's own connection.
db::Db openDatabase(const std::string& path, Store::Access access, int busyTimeoutMs);

} // namespace tt
