#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

// A small RAII layer over SQLite (docs/style.md, "SQLite RAII layer"): Db owns a connection, Stmt a
// prepared statement, Txn a transaction that rolls back unless committed. The throwing calls are
// for tools and analysis; the writer thread uses the try* forms.
namespace tt::db {

class Error : public std::runtime_error {
public:
  Error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

private:
  int code_;
};

class Stmt;

class Db {
public:
  enum class Mode { ReadOnly, ReadWrite, Create };

  // Throws Error with SQLite's message and the path when the file cannot be opened.
  Db(const std::string& path, Mode mode);

  sqlite3* handle() const { return db_.get(); }
  void exec(const char* sql);
  [[nodiscard]] int tryExec(const char* sql) noexcept;
  Stmt prepare(std::string_view sql);
  int64_t lastInsertId() const { return sqlite3_last_insert_rowid(db_.get()); }
  std::string errorMessage() const { return sqlite3_errmsg(db_.get()); }
  const std::string& path() const { return path_; }

private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

class Stmt {
public:
  Stmt(Db& db, std::string_view sql);

  // Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT), except
  // by the NoCopy binds, whose bytes must stay valid until the statement is reset.
  void bindNull(int index);
  void bind(int index, int64_t value);
  void bind(int index, double value);
  void bind(int index, std::string_view text);
  void bindBlob(int index, std::string_view bytes);
  void bindBlobNoCopy(int index, std::string_view bytes);
  void bindTextNoCopy(int index, std::string_view text);
  template <typename T> void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bindNull(index);
    }
  }
  void bind(int index, int value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, bool value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, const std::string& text) { bind(index, std::string_view(text)); }
  void bind(int index, const char* text) { bind(index, std::string_view(text)); }

  // true: a row is ready; false: done. Throws on error.
  bool step();
  [[nodiscard]] int tryStep() noexcept { return sqlite3_step(stmt_.get()); }
  void reset() noexcept;

  bool isNull(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }
  int64_t int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  double real(int column) const { return sqlite3_column_double(stmt_.get(), column); }
  std::string text(int column) const;
  std::string_view blob(int column) const; // valid until the next step or reset
  std::optional<int64_t> optInt64(int column) const;
  std::optional<std::string> optText(int column) const;

private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless commit() succeeded.
class Txn {
public:
  explicit Txn(Db& db);
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  void commit(); // throws; a second call is an error

private:
  Db& db_;
  bool done_ = false;
};

} // namespace tt::db
