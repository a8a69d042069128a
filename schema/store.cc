#include "schema/store.h"

#include "core/clock.h"
#include "core/enum_names.h"
#include "schema/embedded_sql.h"
#include "schema/exchange_rows.h"

#include <unistd.h>

#include <array>
#include <ctime>
#include <filesystem>

namespace tt {
namespace {

constexpr std::array kTraceKindNames{
    std::pair{TraceKind::Capture, std::string_view{"capture"}},
    std::pair{TraceKind::Replay, std::string_view{"replay"}},
    std::pair{TraceKind::Import, std::string_view{"import"}},
    std::pair{TraceKind::Simulation, std::string_view{"simulation"}},
};

constexpr std::array kTraceStateNames{
    std::pair{TraceState::Recording, std::string_view{"recording"}},
    std::pair{TraceState::Complete, std::string_view{"complete"}},
    std::pair{TraceState::Interrupted, std::string_view{"interrupted"}},
};

std::string isoUtc(int64_t unixUs) {
  const std::time_t seconds = static_cast<std::time_t>(unixUs / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

int readUserVersion(db::Db& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  stmt.step();
  return static_cast<int>(stmt.int64(0));
}

void setUserVersion(db::Db& db, int version) {
  db.exec(("PRAGMA user_version = " + std::to_string(version)).c_str());
}

bool hasTables(db::Db& db) {
  auto stmt = db.prepare("SELECT count(*) FROM sqlite_master");
  stmt.step();
  return stmt.int64(0) > 0;
}

// Creates the schema in a new file, or brings an older one forward, in one transaction.
void upgradeSchema(db::Db& db) {
  db::Txn txn(db);
  const int version = readUserVersion(db); // again, now that the write lock is held
  if (version == 0) {
    db.exec(sql::kSchema);
  } else {
    for (int v = version + 1; v <= Store::kSchemaVersion; ++v) {
      db.exec(sql::kMigrations[v - 2]);
    }
  }
  setUserVersion(db, Store::kSchemaVersion);
  txn.commit();
}

} // namespace

std::string_view traceKindName(TraceKind kind) {
  return nameOf(kTraceKindNames, kind);
}

std::optional<TraceKind> traceKindFromName(std::string_view name) {
  return valueOf<TraceKind>(kTraceKindNames, name);
}

std::string_view traceStateName(TraceState state) {
  return nameOf(kTraceStateNames, state);
}

std::optional<TraceState> traceStateFromName(std::string_view name) {
  return valueOf<TraceState>(kTraceStateNames, name);
}

db::Db openDatabase(const std::string& path, Store::Access access, int busyTimeoutMs) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && access == Store::Access::Read) {
    throw StoreError("no database at " + path + ": check the path (capture and import create one)");
  }
  if (exists && std::filesystem::is_directory(path, ec)) {
    throw StoreError(path + " is a directory: give the path of a database file");
  }
  const bool readOnly = exists && ::access(path.c_str(), W_OK) != 0;
  const auto mode = readOnly                          ? db::Db::Mode::ReadOnly
                    : access == Store::Access::Create ? db::Db::Mode::Create
                                                      : db::Db::Mode::ReadWrite;
  std::optional<db::Db> opened;
  try {
    opened.emplace(path, mode);
  } catch (const db::Error& e) {
    throw StoreError("cannot open database " + path +
                     ": its directory is missing or not writable (" + e.what() + ")");
  }
  db::Db& db = *opened;
  sqlite3_busy_timeout(db.handle(), busyTimeoutMs);

  int version = 0;
  try {
    version = readUserVersion(db);
  } catch (const db::Error& e) {
    if ((e.code() & 0xff) == SQLITE_NOTADB) {
      throw StoreError(path +
                       " is not an SQLite database: give a tracetune database or a new path");
    }
    throw StoreError("cannot read database " + path + ": " + e.what());
  }
  if (version > Store::kSchemaVersion) {
    throw StoreError(path + " has schema version " + std::to_string(version) +
                     ", newer than this tracetune's " + std::to_string(Store::kSchemaVersion) +
                     ": use a newer tracetune");
  }
  if (version == 0 && hasTables(db)) {
    throw StoreError(path + " is an SQLite database but not a tracetune one: give another path");
  }
  if (version < Store::kSchemaVersion) {
    if (readOnly) {
      throw StoreError(path + " has schema version " + std::to_string(version) +
                       " and is read-only: make it writable once so tracetune can bring it to " +
                       "version " + std::to_string(Store::kSchemaVersion));
    }
    try {
      if (version == 0) {
        // Before the first write fixes it: rows of ~1.5 KB (a prompt and 100 token times)
        // waste a third of a 4 KiB page, a tenth of an 8 KiB one.
        db.exec("PRAGMA page_size = 8192");
      }
      db.exec("PRAGMA journal_mode = WAL");
      upgradeSchema(db);
    } catch (const db::Error& e) {
      throw StoreError("cannot set up database " + path + ": " + e.what());
    }
  }
  if (!readOnly) {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
  }
  db.exec("PRAGMA foreign_keys = ON");
  return std::move(*opened);
}

Store::Store(const std::string& path, Access access)
    : db_(openDatabase(path, access, /*busyTimeoutMs=*/5000)) {}

int64_t Store::createTrace(const NewTrace& trace) {
  const int64_t origin = trace.originUnixUs != 0 ? trace.originUnixUs : unixNowUs();
  auto stmt = db_.prepare("INSERT INTO traces (kind, label, created, origin_unix_us, target, "
                          "parameters, server_info, source_trace_id, state) "
                          "VALUES (?,?,?,?,?,?,?,?,?)");
  stmt.bind(1, traceKindName(trace.kind));
  stmt.bind(2, trace.label);
  stmt.bind(3, isoUtc(origin));
  stmt.bind(4, origin);
  stmt.bind(5, trace.target);
  stmt.bind(6, trace.parametersJson);
  stmt.bind(7, trace.serverInfoJson);
  stmt.bind(8, trace.sourceTraceId);
  stmt.bind(9, traceStateName(trace.state));
  stmt.step();
  return db_.lastInsertId();
}

void Store::setTraceState(int64_t traceId, TraceState state) {
  auto stmt = db_.prepare("UPDATE traces SET state = ? WHERE id = ?");
  stmt.bind(1, traceStateName(state));
  stmt.bind(2, traceId);
  stmt.step();
}

void Store::deleteTrace(int64_t traceId) {
  auto stmt = db_.prepare("DELETE FROM traces WHERE id = ?");
  stmt.bind(1, traceId);
  stmt.step();
}

void Store::setServerInfo(int64_t traceId, std::string_view json) {
  auto stmt = db_.prepare("UPDATE traces SET server_info = ? WHERE id = ?");
  stmt.bind(1, json);
  stmt.bind(2, traceId);
  stmt.step();
}

void Store::append(int64_t traceId, std::span<Exchange> exchanges) {
  db::Txn txn(db_);
  ExchangeInserter inserter(db_);
  for (Exchange& e : exchanges) {
    const int rc = inserter.tryInsert(traceId, e);
    if (rc != SQLITE_DONE) {
      throw db::Error(rc, "cannot store request: " + db_.errorMessage());
    }
    e.id = db_.lastInsertId();
  }
  txn.commit();
}

void Store::appendSamples(int64_t traceId, std::span<const Sample> samples) {
  db::Txn txn(db_);
  auto stmt =
      db_.prepare("INSERT INTO samples (trace_id, t_us, name, labels, value) VALUES (?,?,?,?,?)");
  for (const Sample& s : samples) {
    stmt.reset();
    stmt.bind(1, traceId);
    stmt.bind(2, s.tUs);
    stmt.bind(3, s.name);
    stmt.bind(4, s.labels);
    stmt.bind(5, s.value);
    stmt.step();
  }
  txn.commit();
}

namespace {

constexpr const char* kTraceQuery =
    "SELECT t.id, t.kind, t.label, t.created, t.origin_unix_us, t.target, t.parameters, "
    "t.server_info, t.source_trace_id, s.requests, s.first_sent_us, s.last_end_us, t.state "
    "FROM traces t JOIN trace_summary s ON s.trace_id = t.id ";

TraceInfo readTrace(const db::Stmt& r) {
  TraceInfo t;
  t.id = r.int64(0);
  t.kind = traceKindFromName(r.text(1)).value_or(TraceKind::Capture);
  t.label = r.text(2);
  t.created = r.text(3);
  t.originUnixUs = r.int64(4);
  t.target = r.text(5);
  t.parametersJson = r.text(6);
  t.serverInfoJson = r.text(7);
  t.sourceTraceId = r.optInt64(8);
  t.requests = r.int64(9);
  t.firstSentUs = r.optInt64(10);
  t.lastEndUs = r.optInt64(11);
  t.state = traceStateFromName(r.text(12)).value_or(TraceState::Complete);
  return t;
}

} // namespace

std::vector<TraceInfo> Store::listTraces() {
  std::vector<TraceInfo> traces;
  auto stmt = db_.prepare(std::string(kTraceQuery) + "ORDER BY t.id");
  while (stmt.step()) {
    traces.push_back(readTrace(stmt));
  }
  return traces;
}

std::optional<TraceInfo> Store::findTrace(int64_t traceId) {
  auto stmt = db_.prepare(std::string(kTraceQuery) + "WHERE t.id = ?");
  stmt.bind(1, traceId);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return readTrace(stmt);
}

void Store::forEachExchange(int64_t traceId, const std::function<void(Exchange&&)>& visit) {
  auto stmt = db_.prepare(std::string(kExchangeColumns) +
                          "FROM requests WHERE trace_id = ? ORDER BY sent_us, id");
  stmt.bind(1, traceId);
  while (stmt.step()) {
    visit(readExchange(stmt));
  }
}

std::vector<Exchange> Store::exchanges(int64_t traceId) {
  std::vector<Exchange> all;
  forEachExchange(traceId, [&](Exchange&& e) { all.push_back(std::move(e)); });
  return all;
}

} // namespace tt
