#include "schema/db.h"

#include <fcntl.h>
#include <unistd.h>

namespace tt::db {
namespace {

[[noreturn]] void fail(sqlite3* db, int code, std::string_view context) {
  throw Error(code, std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)));
}

// SQLite's memory statistics take a global mutex on every allocation, of which an insert makes
// dozens; nothing here reads them. Must run before SQLite initialises, hence at the first open;
// it fails harmlessly (SQLITE_MISUSE) if something else in the process initialised SQLite first.
void disableMemoryStatistics() {
  static const int once = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)once;
}

// A database holds prompts and answers: a new one is readable by its owner only. SQLite would
// create it 0644 less the umask; it gives the -wal and -shm files the database file's mode
// (sqlite.org, `src/os_unix.c`, findCreateFileMode and unixOpenSharedMemory), so creating the
// file first, empty (a valid empty database), covers all three. An existing file keeps its mode.
void createOwnerOnly(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  }
}

} // namespace

Db::Db(const std::string& path, Mode mode) : path_(path) {
  disableMemoryStatistics();
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
  case Mode::ReadOnly:
    flags |= SQLITE_OPEN_READONLY;
    break;
  case Mode::ReadWrite:
    flags |= SQLITE_OPEN_READWRITE;
    break;
  case Mode::Create:
    flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    createOwnerOnly(path);
    break;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    throw Error(rc, "cannot open database " + path + ": " +
                        (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
}

void Db::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(rc, text);
  }
}

int Db::tryExec(const char* sql) noexcept {
  return sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
}

Stmt Db::prepare(std::string_view sql) {
  return Stmt(*this, sql);
}

Stmt::Stmt(Db& db, std::string_view sql) : db_(db.handle()) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) {
    fail(db_, rc, "prepare");
  }
}

void Stmt::bindNull(int index) {
  sqlite3_bind_null(stmt_.get(), index);
}
void Stmt::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
}
void Stmt::bind(int index, double value) {
  sqlite3_bind_double(stmt_.get(), index, value);
}
void Stmt::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void Stmt::bindBlob(int index, std::string_view bytes) {
  // A zero-length blob, not NULL, for an empty value.
  sqlite3_bind_blob64(stmt_.get(), index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
}

void Stmt::bindBlobNoCopy(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_.get(), index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                      SQLITE_STATIC);
}

void Stmt::bindTextNoCopy(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  fail(db_, rc, "step");
}

void Stmt::reset() noexcept {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::string_view Stmt::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
           : std::string_view();
}

std::optional<int64_t> Stmt::optInt64(int column) const {
  return isNull(column) ? std::nullopt : std::optional<int64_t>(int64(column));
}

std::optional<std::string> Stmt::optText(int column) const {
  return isNull(column) ? std::nullopt : std::optional<std::string>(text(column));
}

Txn::Txn(Db& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Txn::~Txn() {
  if (!done_) {
    // Harmless when SQLite already rolled back by itself (docs/proxy.md, "How capture is written").
    (void)db_.tryExec("ROLLBACK");
  }
}

void Txn::commit() {
  if (done_) {
    throw Error(SQLITE_MISUSE, "transaction already finished");
  }
  db_.exec("COMMIT");
  done_ = true;
}

} // namespace tt::db
