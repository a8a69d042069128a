#include "schema/capture_writer.h"
#include "schema/store.h"

#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace tt;

namespace {

// The child: writes exchanges as fast as it can and, after each commit, reports the running
// total of committed exchanges on `reportFd`. It never returns; the parent kills it.
[[noreturn]] void writeUntilKilled(const std::string& path, int64_t trace, int reportFd) {
  uint64_t committed = 0;
  CaptureWriter writer(
      path, trace,
      {.batchMax = 64, .flushInterval = std::chrono::milliseconds(1), .onCommit = [&](size_t rows) {
         committed += rows;
         if (write(reportFd, &committed, sizeof committed) != sizeof committed) {
           _exit(3);
         }
       }});
  for (int64_t i = 0;; ++i) {
    writer.submit(test::sampleExchange(i, 50, 512));
    if (i % 64 == 0) {
      writer.flush();
    }
  }
}

} // namespace

TEST_CASE("a writer killed with SIGKILL mid-write leaves a sound database with every commit") {
  test::TempDir dir;
  const std::string path = dir.file("crash.db");
  const int64_t trace = Store(path).createTrace({});
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    writeUntilKilled(path, trace, fds[1]);
  }
  close(fds[1]);
  uint64_t reported = 0;
  // Let it commit a good number of batches, then kill it wherever it is.
  while (reported < 5'000) {
    REQUIRE(read(fds[0], &reported, sizeof reported) == sizeof reported);
  }
  REQUIRE(kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  // Commits reported after the last one we read may also be in the file.
  uint64_t more = 0;
  while (read(fds[0], &more, sizeof more) == sizeof more) {
    reported = more;
  }
  close(fds[0]);

  Store store(path, Store::Access::Read);
  auto check = store.db().prepare("PRAGMA integrity_check");
  REQUIRE(check.step());
  CHECK(check.text(0) == "ok");
  const int64_t stored = store.findTrace(trace)->requests;
  CHECK(stored >= static_cast<int64_t>(reported));
  // Batches are whole: every stored exchange decodes with all its token times.
  int64_t checked = 0;
  store.forEachExchange(trace, [&](Exchange&& e) {
    REQUIRE(e.tokenTimesUs.size() == 50);
    ++checked;
  });
  CHECK(checked == stored);
}
