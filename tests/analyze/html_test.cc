#include "tests/analyze/synthetic_traces.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tt;

namespace {

std::string chromiumPath() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) {
      return path;
    }
  }
  return "";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string bodyAttribute(const std::string& dom, const std::string& name) {
  const size_t body = dom.find("<body");
  const size_t bodyEnd = dom.find('>', body);
  const std::string key = " " + name + "=\"";
  const size_t at = dom.find(key, body);
  if (body == std::string::npos || at == std::string::npos || at > bodyEnd) {
    return "(missing)";
  }
  const size_t start = at + key.size();
  return dom.substr(start, dom.find('"', start) - start);
}

struct Page {
  std::string dom;
  std::string log;
  int exitCode = -1;
};

// Loads the page in headless Chromium, bounded by `timeout`, and returns the DOM after its
// scripts ran, and the browser's log (console messages included).
Page loadInChromium(const test::TempDir& dir, const std::string& html) {
  const std::string chromium = chromiumPath();
  REQUIRE_FALSE(chromium.empty()); // installed by tools/install-deps.sh (Debian's chromium)
  const auto r = test::runProcess({"/usr/bin/timeout", "-k", "10", "90", chromium, "--headless",
                                   "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                   "--no-first-run", "--user-data-dir=" + dir.file("profile"),
                                   "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                                   "--dump-dom", "file://" + html});
  return {r.out, r.err, r.exitCode};
}

void requireClean(const Page& page, int expectedCharts) {
  INFO(page.log);
  REQUIRE(page.exitCode == 0);
  CHECK(bodyAttribute(page.dom, "data-charts") == std::to_string(expectedCharts));
  CHECK(bodyAttribute(page.dom, "data-rendered") == std::to_string(expectedCharts));
  CHECK(bodyAttribute(page.dom, "data-errors") == "0");
  CHECK(page.log.find("Uncaught") == std::string::npos);
  CHECK(page.log.find(":CONSOLE(") == std::string::npos); // no console output at all
  CHECK(page.dom.find("NaN") == std::string::npos);
}

} // namespace

TEST_CASE("the HTML report renders every chart in headless Chromium without errors") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    for (const double rate : {1.0, 3.0, 5.0, 7.0, 9.0}) {
      test::addSyntheticTrace(store, "sweep-" + std::to_string(rate), rate, 40,
                              R"({"max_batch_size":8})", 10);
      test::addSyntheticTrace(store, "sweep-big-" + std::to_string(rate), rate, 40,
                              R"({"max_batch_size":32})", 12);
    }
  }
  const std::string html = dir.file("report.html");
  const auto run = test::runProcess({TRACETUNE_BIN, "analyze", "--db", db, "--family", "sweep",
                                     "--slo", "ttft=200ms", "--html", html});
  INFO(run.err);
  REQUIRE(run.exitCode == 0);
  const std::string page = readFile(html);
  CHECK(page.find("src=\"http") == std::string::npos); // nothing fetched ...
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("max_batch_size=8") != std::string::npos); // ... configurations named
  // The TTFT objective on the TTFT chart, each configuration's capacity on all three, and every
  // point labelled by its load (these traces state none: their offered rate).
  CHECK(page.find("data-rule=\"slo\"") != std::string::npos);
  CHECK(page.find(">SLO ttft 200 ms</text>") != std::string::npos);
  CHECK(page.find("data-rule=\"capacity\"") != std::string::npos);
  CHECK(page.find("class=\"plabel\"") != std::string::npos);
  CHECK(page.find(">5/s</text>") != std::string::npos);
  // Three latency-throughput charts, two distributions, three timelines.
  requireClean(loadInChromium(dir, html), 8);
}

TEST_CASE("an HTML report of a trace with only errors says why charts are missing") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    const int64_t id = store.createTrace({.kind = TraceKind::Capture, .label = "down"});
    std::vector<Exchange> failed(3);
    for (size_t i = 0; i < failed.size(); ++i) {
      failed[i].sentUs = static_cast<int64_t>(i) * 1'000'000;
      failed[i].endUs = failed[i].sentUs + 2'000;
      failed[i].status = 503;
      failed[i].outcome = Outcome::HttpError;
    }
    store.append(id, failed);
  }
  const std::string html = dir.file("report.html");
  REQUIRE(test::runProcess({TRACETUNE_BIN, "analyze", "--db", db, "--html", html}).exitCode == 0);
  const std::string page = readFile(html);
  CHECK(page.find("TTFT distribution (CDF): no successful streamed request") != std::string::npos);
  CHECK(page.find("Latency (median, by send time): no request succeeded") != std::string::npos);
  // The rate and in-flight timelines still have data.
  requireClean(loadInChromium(dir, html), 2);
}
