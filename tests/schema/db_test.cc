#include "schema/db.h"

#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

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

TEST_CASE("a new database and its -wal and -shm files are readable by their owner only") {
  tt::test::TempDir dir;
  const std::string path = dir.file("private.db");
  // Whatever the umask lets through: the test must not pass merely because it is strict.
  const mode_t old = umask(0);
  Db db(path, Db::Mode::Create);
  umask(old);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('prompt')");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    INFO(path + suffix);
    struct stat st {};
    REQUIRE(stat((path + suffix).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
}

TEST_CASE("an existing database keeps its mode") {
  tt::test::TempDir dir;
  const std::string path = dir.file("shared.db");
  {
    Db first(path, Db::Mode::Create);
    first.exec("CREATE TABLE t (x TEXT)");
  }
  REQUIRE(chmod(path.c_str(), 0640) == 0);
  Db again(path, Db::Mode::Create);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}
