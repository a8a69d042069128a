// Soak (RELIABILITY.md, "Soak"): steady TGI traffic through `tracetune proxy` in front of tgi-sim,
// for TRACETUNE_SOAK_SECONDS (60 by default; `bench/proxy/soak.sh` runs 600). Three clients at a
// fixed pace: generate on a kept-alive connection, generate_stream on another, chat streams on
// a new connection each. The proxy's memory and descriptors are sampled every second.
#include "tests/proxy/harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tgi_sim_process.h"

#include "schema/store.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace tt::test {
namespace {

int soakSeconds() {
  const char* value = std::getenv("TRACETUNE_SOAK_SECONDS");
  return value != nullptr && std::atoi(value) > 0 ? std::atoi(value) : 60;
}

// A request with its body, as the clients send it.
std::string post(std::string_view path, std::string_view body, bool close) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json" +
         (close ? "\r\nConnection: close" : "") +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

const std::string kGenerate =
    post("/generate", R"({"inputs":"What is Deep Learning?","parameters":{"max_new_tokens":12}})",
         false);
const std::string kGenerateStream =
    post("/generate_stream",
         R"({"inputs":"Explain a KV cache in two sentences.","parameters":{"max_new_tokens":24}})",
         false);
const std::string kChatStream =
    post("/v1/chat/completions",
         R"({"model":"tgi","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16,)"
         R"("stream":true})",
         true);

int64_t residentKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::atoll(line.c_str() + 6);
    }
  }
  return -1;
}

int64_t openDescriptors(pid_t pid) {
  const auto dir = std::filesystem::path("/proc") / std::to_string(pid) / "fd";
  return std::distance(std::filesystem::directory_iterator(dir),
                       std::filesystem::directory_iterator());
}

// The value of an unlabelled metric in a Prometheus text page.
int64_t metric(const std::string& page, const std::string& name) {
  const size_t at = page.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atoll(page.c_str() + at + name.size() + 2);
}

std::string adminMetrics(int adminPort) {
  Client admin(adminPort);
  admin.send("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n");
  return admin.response().body;
}

// A paced client: `rate` requests a second until `endNs`; counts what it sent and what came back
// complete with 200.
struct PacedClient {
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> answered{0};

  void run(int port, const std::string& request, bool newConnectionEach, double rate,
           int64_t endNs) {
    std::optional<Client> client;
    const int64_t start = monoNs();
    for (int64_t i = 0;; ++i) {
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
      if (due >= endNs || monoNs() >= endNs) {
        return; // the schedule's end, also when a slow machine left it behind
      }
      sleepUntilNs(due); // the send schedule
      if (newConnectionEach || !client) {
        client.emplace(port);
      }
      ++sent;
      client->send(request);
      const Message response = client->response(30'000);
      answered += response.complete && response.status == 200 ? 1 : 0;
    }
  }
};

} // namespace

TEST_CASE("soak: steady TGI traffic through the proxy, memory stays flat, no descriptor "
          "leaks, every exchange stored or counted as dropped",
          "[proxy][soak][slow][process]") {
  const int seconds = soakSeconds();
  TgiSimProcess sim(20.0);
  TempDir dir;
  const std::string db = dir.file("soak.db");
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream", sim.url(), "--db", db, "--admin",
                      "0", "--scrape-interval", "1"});
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);
  const pid_t pid = proxy.child.pid();

  const int64_t endNs = monoNs() + int64_t{seconds} * 1'000'000'000;
  PacedClient generate, stream, chat;
  std::thread t1([&] { generate.run(proxy.port, kGenerate, false, 30, endNs); });
  std::thread t2([&] { stream.run(proxy.port, kGenerateStream, false, 30, endNs); });
  std::thread t3([&] { chat.run(proxy.port, kChatStream, true, 30, endNs); });

  std::vector<int64_t> rss, fds;
  const int64_t start = monoNs();
  for (int s = 1; s <= seconds; ++s) {
    sleepUntilNs(start + int64_t{s} * 1'000'000'000); // the sampling schedule
    rss.push_back(residentKb(pid));
    fds.push_back(openDescriptors(pid));
  }
  t1.join();
  t2.join();
  t3.join();

  const int64_t sent = generate.sent + stream.sent + chat.sent;
  const int64_t answered = generate.answered + stream.answered + chat.answered;
  CHECK(answered == sent);

  // Memory: the last third's peak within 10% (and 4 MiB) of the first third's end, once the
  // pools and caches have grown to the load. Under a sanitizer, freed memory waits in its
  // quarantine and shadow memory grows, so only descriptors and exchanges are checked there.
  const size_t third = rss.size() / 3;
  const int64_t settled = rss[third];
  const int64_t lastPeak = *std::max_element(rss.begin() + 2 * third, rss.end());
  UNSCOPED_INFO("proxy RSS: " << settled << " kB after " << third << " s, peak " << lastPeak
                              << " kB in the last third; descriptors " << fds[third] << " -> "
                              << fds.back());
#if !defined(TRACETUNE_SANITIZED)
  CHECK(lastPeak <= settled + settled / 10 + 4096);
#endif
  // Descriptors: a few pooled upstream connections come and go; a leak grows with the ~1,800
  // connections the chat client opens a minute.
  CHECK(fds.back() <= fds[third] + 8);

  // Every exchange is in the database or counted as dropped or lost.
  const std::string page = adminMetrics(proxy.adminPort);
  REQUIRE(proxy.stop(SIGTERM) == 0);
  const int64_t dropped = metric(page, "tracetune_capture_dropped_total");
  const int64_t lost = metric(page, "tracetune_capture_lost_total");
  REQUIRE(dropped >= 0);
  REQUIRE(lost >= 0);
  Store store(db, Store::Access::Read);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(store.db().handle(), "SELECT count(*) FROM requests", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t stored = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  UNSCOPED_INFO("exchanges: " << sent << " sent, " << stored << " stored, " << dropped
                              << " dropped, " << lost << " lost");
  CHECK(stored + dropped + lost == sent);
}

} // namespace tt::test
