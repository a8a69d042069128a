// Injected faults (RELIABILITY.md, "Faults"): the disk filling during capture, another process
// holding the write lock, the proxy killed under load, an upstream that never answers, ten
// thousand idle clients. Each is bounded in time, targets 127.0.0.1 only and stops by itself.
// What each asserts: no request fails because capture failed, every exchange is either stored
// or counted as lost, and capture resumes by itself once the fault is gone.
#include "tests/proxy/harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/temp_dir.h"

#include "schema/capture_writer.h"
#include "schema/store.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>

namespace tt::test {
namespace {

const std::string kBody = R"({"inputs":"a prompt","parameters":{"max_new_tokens":2}})";
const std::string kRequest =
    "POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(kBody.size()) +
    "\r\n\r\n" + kBody;
const std::string kAnswer =
    jsonResponse(R"({"generated_text":" two words"})", "x-compute-time: 0.01\r\n");

int64_t newTrace(const std::string& db) {
  Store store(db);
  return store.createTrace({});
}

// One value of a query's first row, through its own read connection.
int64_t queryInt(const std::string& db, const std::string& sql) {
  Store store(db, Store::Access::Read);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(store.db().handle(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return value;
}

std::string integrityCheck(const std::string& db) {
  Store store(db, Store::Access::Read);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(store.db().handle(), "PRAGMA integrity_check", -1, &st, nullptr);
  std::string result = sqlite3_step(st) == SQLITE_ROW
                           ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0))
                           : "no answer";
  sqlite3_finalize(st);
  return result;
}

// Sends `count` requests on one connection; returns how many were answered 200.
int sendRequests(Client& client, int count) {
  int ok = 0;
  for (int i = 0; i < count; ++i) {
    client.send(kRequest);
    ok += client.response().status == 200 ? 1 : 0;
  }
  return ok;
}

// Another process that takes the database's write lock when told (lock()) and holds it until
// release(), or for at most `maxSeconds`. Forked before the test starts any thread, so that the
// child's SQLite calls cannot meet a lock some other thread held at the fork.
class LockHolder {
public:
  LockHolder(const std::string& db, int maxSeconds) {
    int toChild[2], fromChild[2];
    REQUIRE(pipe(toChild) == 0);
    REQUIRE(pipe(fromChild) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(toChild[1]); // so that the parent's end closing reads as EOF here
      ::close(fromChild[0]);
      char command = 0;
      if (read(toChild[0], &command, 1) != 1 || command != 'L') {
        _exit(1); // released (or the parent gone) before any lock was asked for
      }
      sqlite3* handle = nullptr;
      const bool locked =
          sqlite3_open(db.c_str(), &handle) == SQLITE_OK &&
          sqlite3_exec(handle, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
      const char answer = locked ? 'y' : 'n';
      (void)!write(fromChild[1], &answer, 1);
      pollfd p{toChild[0], POLLIN, 0};
      ::poll(&p, 1, maxSeconds * 1000);
      _exit(0); // the lock goes with the process
    }
    ::close(toChild[0]);
    ::close(fromChild[1]);
    toChild_ = toChild[1];
    fromChild_ = fromChild[0];
  }
  ~LockHolder() {
    release();
    ::close(fromChild_);
  }
  void lock() {
    REQUIRE(write(toChild_, "L", 1) == 1);
    char answer = 'n';
    REQUIRE(read(fromChild_, &answer, 1) == 1);
    REQUIRE(answer == 'y');
  }
  void release() {
    if (pid_ > 0) {
      (void)!write(toChild_, "R", 1);
      ::close(toChild_);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

private:
  pid_t pid_ = -1;
  int toChild_ = -1;
  int fromChild_ = -1;
};

} // namespace

TEST_CASE("fault: the disk fills during capture, traffic is untouched, losses are counted, "
          "capture resumes by itself when space returns",
          "[proxy][fault]") {
  TempDir dir;
  const std::string db = dir.file("full.db");
  const int64_t traceId = newTrace(db);
  // The database may not grow past 1 MiB; a filler table takes most of it, so that capture
  // meets SQLITE_FULL within a few hundred exchanges. Deleting the filler returns its pages
  // to the free list, as deleting a file returns space to a full disk.
  constexpr int64_t kLimit = 1024 * 1024;
  {
    Store store(db);
    REQUIRE(sqlite3_exec(store.db().handle(),
                         "CREATE TABLE filler(b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i+1 FROM n WHERE i<100) INSERT INTO filler SELECT "
                         "zeroblob(7000) FROM n",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  WriterOptions options;
  options.maxDatabaseBytes = kLimit;
  options.flushInterval = std::chrono::milliseconds(5);
  options.batchMax = 8;
  CaptureWriter writer(db, traceId, options);
  proxy::WriterRecorder recorder(writer);
  FakeUpstream upstream(answerAll(jsonResponse(std::string(3000, 'r'))));
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());

  // Until the disk is full.
  int sent = 0;
  int ok = 0;
  while (writer.counters().lost == 0 && sent < 5000) {
    ok += sendRequests(client, 10);
    sent += 10;
  }
  // Still full: every request answered, more records lost.
  writer.flush();
  const uint64_t lostWhenFull = writer.counters().lost;
  REQUIRE(lostWhenFull > 0);
  ok += sendRequests(client, 50);
  sent += 50;
  writer.flush();
  CHECK(writer.counters().lost > lostWhenFull);

  // Space returns; capture resumes without being told.
  const uint64_t writtenWhenFreed = writer.counters().written;
  {
    Store store(db);
    REQUIRE(sqlite3_exec(store.db().handle(), "DELETE FROM filler", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
  }
  ok += sendRequests(client, 50);
  sent += 50;
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::CaptureDropped) == 0);
  REQUIRE(proxy.stop() == 0);
  writer.flush();

  const WriterCounters c = writer.counters();
  CHECK(ok == sent);                                                    // zero forwarding errors
  CHECK(c.written + c.lost + c.dropped == static_cast<uint64_t>(sent)); // every loss counted
  CHECK(c.written >= writtenWhenFreed + 50);                            // resumed
  CHECK(queryInt(db, "SELECT count(*) FROM requests") == static_cast<int64_t>(c.written));
  CHECK(integrityCheck(db) == "ok");
}

TEST_CASE("fault: another process holds the write lock for 30 s, traffic is untouched, and "
          "every exchange is stored once the lock goes",
          "[proxy][fault][slow]") {
  TempDir dir;
  const std::string db = dir.file("locked.db");
  const int64_t traceId = newTrace(db);
  LockHolder lock(db, 60);
  CaptureWriter writer(db, traceId, WriterOptions{});
  proxy::WriterRecorder recorder(writer);
  FakeUpstream upstream(answerAll(kAnswer));
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());

  int sent = 0;
  int ok = 0;
  {
    lock.lock();
    // Steady traffic for 30 s, 100 requests a second: a send schedule, not a synchronisation.
    const int64_t start = monoNs();
    while (monoNs() - start < 30'000'000'000) {
      sleepUntilNs(start + int64_t{sent} * 10'000'000);
      ok += sendRequests(client, 1);
      ++sent;
    }
    CHECK(writer.counters().written == 0);
    lock.release();
  }
  ok += sendRequests(client, 100);
  sent += 100;
  REQUIRE(proxy.stop() == 0);
  writer.flush();

  const WriterCounters c = writer.counters();
  CHECK(ok == sent);
  // The queue (65,536 by default) held the 30 s of traffic while the writer waited for the lock.
  CHECK(c.lost == 0);
  CHECK(c.dropped == 0);
  CHECK(c.written == static_cast<uint64_t>(sent));
  CHECK(queryInt(db, "SELECT count(*) FROM requests") == static_cast<int64_t>(c.written));
  CHECK(integrityCheck(db) == "ok");
}

TEST_CASE("fault: the proxy killed with SIGKILL under load, the database is sound, every "
          "committed exchange is there, and a restarted proxy captures on",
          "[proxy][fault][process]") {
  TempDir dir;
  const std::string db = dir.file("killed.db");
  FakeUpstream upstream(answerAll(kAnswer));
  const std::vector<std::string> args = {"--listen",
                                         "127.0.0.1:0",
                                         "--upstream",
                                         "http://127.0.0.1:" + std::to_string(upstream.port()),
                                         "--db",
                                         db,
                                         "--scrape-interval",
                                         "0"};

  int64_t committedBeforeKill = 0; // exchanges committed when the kill was decided
  int64_t lastIdBeforeKill = 0;
  {
    ProxyProcess proxy(args);
    INFO(proxy.startLine);
    REQUIRE(proxy.port > 0);
    // Load from two clients until a few hundred exchanges are committed, then SIGKILL while
    // the load runs on: the kill lands mid-batch.
    struct Load {
      std::atomic<bool> stop{false};
      std::thread thread;
      ~Load() { // also when a REQUIRE below fails: the thread must not outlive the test
        stop = true;
        thread.join();
      }
    } load;
    load.thread = std::thread([&] {
      Client client(proxy.port);
      while (!load.stop && client.send(kRequest) && client.response(2000).status == 200) {
      }
    });
    Client client(proxy.port);
    for (int rounds = 0; queryInt(db, "SELECT count(*) FROM requests") < 300; ++rounds) {
      REQUIRE(rounds < 1000); // 20,000 requests and nothing committed: capture is broken
      REQUIRE(sendRequests(client, 20) == 20);
    }
    // Row ids only grow: the rows up to the largest id seen now are all committed already.
    lastIdBeforeKill = queryInt(db, "SELECT max(id) FROM requests");
    committedBeforeKill = queryInt(db, "SELECT count(*) FROM requests WHERE id <= " +
                                           std::to_string(lastIdBeforeKill));
    REQUIRE(sendRequests(client, 50) == 50);
    CHECK(proxy.stop(SIGKILL) != 0);
  }
  CHECK(integrityCheck(db) == "ok");
  // Every exchange committed before the kill is still there.
  CHECK(queryInt(db, "SELECT count(*) FROM requests WHERE id <= " +
                         std::to_string(lastIdBeforeKill)) == committedBeforeKill);

  ProxyProcess restarted(args);
  INFO(restarted.startLine);
  REQUIRE(restarted.port > 0);
  Client client(restarted.port);
  REQUIRE(sendRequests(client, 20) == 20);
  CHECK(restarted.stop(SIGTERM) == 0);
  CHECK(queryInt(db, "SELECT count(*) FROM traces") == 2);
  CHECK(queryInt(db, "SELECT count(*) FROM requests WHERE trace_id = (SELECT max(id) FROM "
                     "traces)") == 20);
  CHECK(integrityCheck(db) == "ok");
}

TEST_CASE("fault: an upstream that accepts and never answers gets 504 at the idle timeout, "
          "other clients are served meanwhile",
          "[proxy][fault]") {
  std::atomic<int64_t> silentClosedNs{0};
  FakeUpstream upstream([&](UpConn& c) {
    while (const auto request = c.readRequest(5000)) {
      if (request->target == "/generate?silent") {
        silentClosedNs = c.waitClosed(5000); // accepts, reads, never answers
        return;
      }
      c.send(kAnswer);
    }
  });
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.idleTimeoutMs = 300;
  ProxyThread proxy(config, recorder);

  Client stuck(proxy.port());
  std::string silentRequest = kRequest;
  silentRequest.replace(0, 14, "POST /generate?silent");
  stuck.send(silentRequest);
  Client other(proxy.port());
  other.send(kRequest);
  CHECK(other.response().status == 200);

  const Message r = stuck.response(5000);
  CHECK(r.status == 504);
  const auto records = recorder.waitFor(2);
  REQUIRE(records.size() == 2);
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::UpstreamTimeout) == 1);
  upstream.stop();
  CHECK(silentClosedNs > 0); // the proxy closed the silent connection instead of pooling it
}

TEST_CASE("fault: 10,000 idle client connections, the proxy still serves them and others, and "
          "closes every one when it stops",
          "[proxy][fault][process]") {
  // Ten thousand descriptors here and as many in the proxy, which inherits the limit.
  constexpr size_t connections = 10'000;
  rlimit files{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &files) == 0);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, 65'536);
  if (files.rlim_cur < connections + 256 || setrlimit(RLIMIT_NOFILE, &files) != 0) {
    WARN("skipped: this machine allows " << files.rlim_max
                                         << " open files a process, and "
                                            "the test needs "
                                         << connections + 256);
    return;
  }

  FakeUpstream upstream(answerAll(kAnswer));
  TempDir dir;
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream",
                      "http://127.0.0.1:" + std::to_string(upstream.port()), "--db",
                      dir.file("idle.db"), "--scrape-interval", "0", "--drain-timeout", "5"});
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);
  std::vector<Socket> idle;
  idle.reserve(connections);
  for (size_t i = 0; i < connections; ++i) {
    idle.push_back(Socket::connectTo(proxy.port));
  }
  // One in ten asks a question, one after another, and goes idle again; all within a minute.
  const int64_t deadline = monoNs() + 60'000'000'000;
  const auto answeredOn = [&](Socket& s) {
    std::string bytes;
    const auto leftMs = std::max<int64_t>(1, (deadline - monoNs()) / 1'000'000);
    return s.sendAll(kRequest) &&
           s.readUntil(
               bytes, [](const std::string& b) { return b.find(" two words") != b.npos; },
               static_cast<int>(leftMs));
  };
  size_t asked = 0, answered = 0;
  for (size_t i = 0; i < connections && monoNs() < deadline; i += 10) {
    ++asked;
    answered += answeredOn(idle[i]) ? 1 : 0;
  }
  CHECK(asked == (connections + 9) / 10);
  CHECK(answered == asked);
  Client client(proxy.port);
  CHECK(sendRequests(client, 20) == 20);

  // Stopping closes every idle connection.
  CHECK(proxy.stop(SIGTERM) == 0);
  size_t closed = 0;
  for (Socket& s : idle) {
    std::string ignored;
    closed += s.readToEof(ignored, 1'000) ? 1 : 0; // the proxy has exited: EOF is there already
  }
  CHECK(closed == connections);
}

} // namespace tt::test
