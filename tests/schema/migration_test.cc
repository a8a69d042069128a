#include "schema/embedded_sql.h"
#include "schema/store.h"

#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

using namespace tt;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every table's columns (name, type, not null, default, key), every index's definition with
// its whitespace collapsed, and every view, as a set.
std::set<std::string> schemaShape(db::Db& db) {
  std::set<std::string> shape;
  auto objects =
      db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
  while (objects.step()) {
    const std::string type = objects.text(0);
    const std::string name = objects.text(1);
    shape.insert(type + " " + name);
    if (type == "index") {
      std::istringstream words(objects.text(2));
      std::string definition;
      for (std::string word; words >> word;) {
        definition += word + " ";
      }
      shape.insert(definition);
    }
    if (type == "table") {
      auto columns = db.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM "
                                "pragma_table_info(?)");
      columns.bind(1, name);
      while (columns.step()) {
        shape.insert(name + "." + columns.text(0) + " " + columns.text(1) + " " + columns.text(2) +
                     " " + columns.text(3) + " " + columns.text(4));
      }
    }
  }
  return shape;
}

int userVersion(db::Db& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  stmt.step();
  return static_cast<int>(stmt.int64(0));
}

} // namespace

TEST_CASE("there is one migration per schema version after the first") {
  CHECK(sql::kMigrationCount == Store::kSchemaVersion - 1);
}

TEST_CASE("a version 1 database is migrated forward with its data intact") {
  test::TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    db::Db v1(path, db::Db::Mode::Create);
    v1.exec(readFile(TT_SOURCE_DIR "/tests/schema/v1_schema.sql").c_str());
    v1.exec("INSERT INTO traces (id, kind, label, created) VALUES (1, 'capture', 'old', "
            "'2025-01-01T00:00:00Z')");
    v1.exec("INSERT INTO requests (trace_id, sent_us, method, path, endpoint, outcome) "
            "VALUES (1, 42, 'POST', '/generate', 'generate', 'ok')");
  }
  Store store(path, Store::Access::Read);
  CHECK(userVersion(store.db()) == Store::kSchemaVersion);
  const auto traces = store.listTraces();
  REQUIRE(traces.size() == 1);
  CHECK(traces[0].label == "old");
  CHECK(traces[0].requests == 1);
  CHECK(store.exchanges(1).at(0).sentUs == 42);

  Store fresh(dir.file("fresh.db"));
  CHECK(schemaShape(store.db()) == schemaShape(fresh.db()));
}

TEST_CASE("version 4 moves the proxy's :peer entry out of the request headers") {
  test::TempDir dir;
  const std::string path = dir.file("v3.db");
  {
    db::Db v3(path, db::Db::Mode::Create);
    v3.exec(readFile(TT_SOURCE_DIR "/tests/schema/v1_schema.sql").c_str());
    v3.exec(sql::kMigrations[0]);
    v3.exec(sql::kMigrations[1]);
    v3.exec("PRAGMA user_version = 3");
    v3.exec("INSERT INTO traces (id, kind, label, created) VALUES (1, 'capture', 'c', "
            "'2025-01-01T00:00:00Z')");
    v3.exec("INSERT INTO requests (trace_id, sent_us, method, path, endpoint, outcome, "
            "request_headers) VALUES (1, 1, 'POST', '/generate', 'generate', 'ok', "
            "'[[\"content-type\",\"application/json\"],[\":peer\",\"10.0.0.7\"]]'), "
            "(1, 2, 'GET', '/info', 'other', 'ok', '[[\":peer\",\"10.0.0.8\"]]'), "
            "(1, 3, 'GET', '/health', 'other', 'ok', '[[\"accept\",\"*/*\"]]')");
  }
  Store store(path, Store::Access::Read);
  const auto rows = store.exchanges(1);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].requestHeaders == Headers{{"content-type", "application/json"}});
  CHECK(rows[0].clientAddress == "10.0.0.7");
  CHECK(rows[1].requestHeaders.empty());
  CHECK(rows[1].clientAddress == "10.0.0.8");
  CHECK(rows[2].requestHeaders == Headers{{"accept", "*/*"}});
  CHECK(rows[2].clientAddress.empty());
  CHECK(store.findTrace(1)->state == TraceState::Complete); // traces from before were finished
}

TEST_CASE("a database from a newer tracetune is refused, naming both versions, untouched") {
  test::TempDir dir;
  const std::string path = dir.file("new.db");
  {
    db::Db future(path, db::Db::Mode::Create);
    future.exec("CREATE TABLE future (x); PRAGMA user_version = 7;");
  }
  const std::string before = readFile(path);
  try {
    Store store(path);
    FAIL("opening should have failed");
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()) == path + " has schema version 7, newer than this tracetune's " +
                                       std::to_string(Store::kSchemaVersion) +
                                       ": use a newer tracetune");
  }
  CHECK(readFile(path) == before);
}

TEST_CASE("files that are not tracetune databases are refused and left as they were") {
  test::TempDir dir;
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "these are not the pages you are looking for\n";
  const std::string other = dir.file("other.db");
  {
    db::Db db(other, db::Db::Mode::Create);
    db.exec("CREATE TABLE mine (x); INSERT INTO mine VALUES (1);");
  }
  for (const std::string& path : {text, other}) {
    const std::string before = readFile(path);
    CHECK_THROWS_AS(Store(path), StoreError);
    CHECK(readFile(path) == before);
  }
  CHECK_THROWS_WITH(Store(text), Catch::Contains("is not an SQLite database"));
  CHECK_THROWS_WITH(Store(other), Catch::Contains("not a tracetune one"));
}

TEST_CASE("missing files, missing directories and directories give clear errors") {
  test::TempDir dir;
  CHECK_THROWS_WITH(Store(dir.file("absent.db"), Store::Access::Read),
                    Catch::StartsWith("no database at "));
  CHECK_FALSE(std::filesystem::exists(dir.file("absent.db")));
  CHECK_THROWS_WITH(Store(dir.file("no/such/dir.db")),
                    Catch::Contains("its directory is missing or not writable"));
  CHECK_THROWS_WITH(Store(dir.path().string()), Catch::Contains("is a directory"));
}
