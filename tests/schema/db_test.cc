#include "schema/db.h"

#include <catch2/catch.hpp>

#include <type_traits>

using namespace tt::db;

static_assert(!std::is_copy_constructible_v<Stmt> && std::is_move_constructible_v<Stmt>);
static_assert(!std::is_copy_constructible_v<Db> && std::is_move_constructible_v<Db>);

namespace {

int64_t countRows(Db& db) {
  auto stmt = db.prepare("SELECT count(*) FROM t");
  stmt.step();
  return stmt.int64(0);
}

} // namespace

TEST_CASE("a transaction rolls back at scope exit unless committed") {
  Db db(":memory:", Db::Mode::Create);
  db.exec("CREATE TABLE t (x)");
  {
    Txn txn(db);
    db.exec("INSERT INTO t VALUES (1)");
  }
  CHECK(countRows(db) == 0);
  {
    Txn txn(db);
    db.exec("INSERT INTO t VALUES (1)");
    txn.commit();
    CHECK_THROWS_AS(txn.commit(), Error);
    CHECK(txn.tryCommit() == SQLITE_MISUSE);
  }
  CHECK(countRows(db) == 1);
}

TEST_CASE("a rolled-back statement inside a transaction leaves nothing behind") {
  Db db(":memory:", Db::Mode::Create);
  db.exec("CREATE TABLE t (x NOT NULL)");
  {
    Txn txn(db);
    db.exec("INSERT INTO t VALUES (1)");
    CHECK_THROWS_AS(db.exec("INSERT INTO t VALUES (NULL)"), Error);
  }
  CHECK(countRows(db) == 0);
}

TEST_CASE("statements bind and read every type, and reset for reuse") {
  Db db(":memory:", Db::Mode::Create);
  db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n INTEGER)");
  auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
  for (int64_t i = 0; i < 3; ++i) {
    insert.reset();
    insert.bind(1, i);
    insert.bind(2, 0.5 * static_cast<double>(i));
    insert.bind(3, std::string("row ") + std::to_string(i));
    insert.bindBlob(4, std::string_view("\0\1\2", 3));
    insert.bind(5, std::optional<int64_t>());
    CHECK_FALSE(insert.step());
  }
  auto select = db.prepare("SELECT i, r, s, b, n FROM t ORDER BY i");
  int64_t expected = 0;
  while (select.step()) {
    CHECK(select.int64(0) == expected);
    CHECK(select.real(1) == 0.5 * static_cast<double>(expected));
    CHECK(select.text(2) == "row " + std::to_string(expected));
    CHECK(select.blob(3) == std::string_view("\0\1\2", 3));
    CHECK(select.isNull(4));
    CHECK_FALSE(select.optInt64(4).has_value());
    ++expected;
  }
  CHECK(expected == 3);
}

TEST_CASE("errors carry SQLite's code and message") {
  Db db(":memory:", Db::Mode::Create);
  try {
    db.prepare("SELECT * FROM missing");
    FAIL("prepare should have thrown");
  } catch (const Error& e) {
    CHECK(e.code() == SQLITE_ERROR);
    CHECK(std::string(e.what()).find("no such table: missing") != std::string::npos);
  }
  CHECK_THROWS_AS(Db("/nonexistent-dir/x.db", Db::Mode::Create), Error);
}
