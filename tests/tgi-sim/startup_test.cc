// The executable: the launcher's start-up validation as one line and exit 2; `--port 0` prints
// the bound port in a stable line; SIGTERM stops it cleanly.
#include "tests/support/run_process.h"

#include <catch2/catch.hpp>

#include <csignal>

using tt::test::runProcess;

namespace {

const std::string kBin = TGI_SIM_BIN;

} // namespace

TEST_CASE("start-up validation: the launcher's and router's messages, one line, exit 2") {
  auto r = runProcess({kBin, "--max-input-tokens", "10", "--max-total-tokens", "5"});
  CHECK(r.exitCode == 2);
  CHECK(r.err == "tgi-sim: `max_input_tokens`(10) must be < `max_total_tokens`(5)\n");
  r = runProcess({kBin, "--max-total-tokens", "5000", "--max-batch-total-tokens", "4000"});
  CHECK(r.exitCode == 2);
  CHECK(r.err ==
        "tgi-sim: `max_total_tokens` must be <= `max_batch_total_tokens`. Given: 5000 and 4000\n");
  r = runProcess({kBin, "--prefill-chunking", "off", "--max-input-tokens", "5000",
                  "--max-total-tokens", "6000", "--max-batch-prefill-tokens", "4096"});
  CHECK(r.exitCode == 2);
  CHECK(r.err == "tgi-sim: Argument validation error: `max_batch_prefill_tokens` must be >= "
                 "`max_input_tokens`. Given: 4096 and 5000\n");
  r = runProcess({kBin, "--max-batch-size", "0"});
  CHECK(r.exitCode == 2);
  CHECK(r.err == "tgi-sim: Argument validation error: `max_batch_size` must be > 0\n");
  r = runProcess({kBin, "--profile", "/nonexistent.csv"});
  CHECK(r.exitCode == 2);
  CHECK(r.err.rfind("tgi-sim: --profile: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  r = runProcess({kBin, "--scheduler", "v9"});
  CHECK(r.exitCode != 0);
}

TEST_CASE("port 0 prints the bound port, SIGTERM ends the process with 0") {
  int out[2];
  REQUIRE(pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<std::string> args{kBin, "--port", "0", "--hostname", "127.0.0.1"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string line;
  char c = 0;
  pollfd p{out[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos && poll(&p, 1, 10000) > 0 &&
         read(out[0], &c, 1) == 1) {
    line += c;
  }
  close(out[0]);
  const std::string prefix = "tgi-sim listening on 127.0.0.1:";
  REQUIRE(line.rfind(prefix, 0) == 0);
  REQUIRE(line.back() == '\n');
  const std::string port = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  CHECK(!port.empty());
  CHECK(port.find_first_not_of("0123456789") == std::string::npos);
  CHECK(std::stoi(port) > 0);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
