#include "schema/store.h"

#include "tests/support/run_process.h"
#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace tt;

using test::isOneLine;
using test::tracetune;

TEST_CASE("tracetune traces lists traces as a table and as JSON") {
  test::TempDir dir;
  const std::string path = dir.file("t.db");
  {
    Store store(path);
    const int64_t id = store.createTrace(
        {.kind = TraceKind::Capture, .label = "prod-monday", .target = "http://tgi:8080"});
    std::vector<Exchange> exchanges{test::sampleExchange(0, 3), test::sampleExchange(1, 3)};
    exchanges[1].endUs = exchanges[0].sentUs + 90'500'000; // a 1m30s span
    store.append(id, exchanges);
    store.createTrace({.kind = TraceKind::Replay, .label = "x2", .sourceTraceId = id});
  }
  const auto table = tracetune({"traces", "--db", path});
  REQUIRE(table.exitCode == 0);
  CHECK(table.err.empty());
  CHECK_THAT(table.out, Catch::StartsWith("id  kind     label        created"));
  CHECK_THAT(table.out, Catch::Contains("prod-monday"));
  CHECK_THAT(table.out, Catch::Contains("  2  1m30s       -  http://tgi:8080\n"));
  CHECK_THAT(table.out, Catch::Contains("  0      -       1"));

  const auto json = tracetune({"traces", "--db", path, "--format", "json"});
  REQUIRE(json.exitCode == 0);
  const auto parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0]["kind"] == "capture");
  CHECK(parsed[0]["requests"] == 2);
  CHECK(parsed[0]["span_us"] == 90'500'000);
  CHECK(parsed[1]["source_trace_id"] == 1);
  CHECK(parsed[1]["span_us"].is_null());
}

TEST_CASE("usage errors exit 2 with one line") {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{},
                                             {"traces"},
                                             {"traces", "--db", "x.db", "--format", "xml"},
                                             {"nosuch"},
                                             {"traces", "--db", "x.db", "--bogus"}}) {
    const auto r = tracetune(args);
    INFO(r.err);
    CHECK(r.exitCode == 2);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err, Catch::StartsWith("tracetune: "));
  }
}

TEST_CASE("runtime errors exit 1 with one line and touch nothing") {
  test::TempDir dir;
  const std::string notDb = dir.file("notes.db");
  std::ofstream(notDb) << "plain text\n";
  const std::string newer = dir.file("newer.db");
  {
    db::Db db(newer, db::Db::Mode::Create);
    db.exec("PRAGMA user_version = 99");
  }
  for (const auto& [path, message] : std::vector<std::pair<std::string, std::string>>{
           {dir.file("missing.db"), "no database at"},
           {notDb, "is not an SQLite database"},
           {newer, "has schema version 99, newer than this tracetune's"},
           {dir.file("no/dir/x.db"), "no database at"}}) {
    const auto r = tracetune({"traces", "--db", path});
    INFO(r.err);
    CHECK(r.exitCode == 1);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err, Catch::Contains(message));
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
}

TEST_CASE("the version and help flags succeed") {
  const auto version = tracetune({"--version"});
  CHECK(version.exitCode == 0);
  CHECK_THAT(version.out, Catch::StartsWith("tracetune 0."));
  const auto help = tracetune({"--help"});
  CHECK(help.exitCode == 0);
  CHECK_THAT(help.out, Catch::Contains("traces"));
}
