// The executable: the launcher's start-up validation as one line and exit 2; `--port 0` prints
// the bound port in a stable line; SIGTERM stops it cleanly; TGI's start-up lines about the
// settings and its fallback for a hostname that is not an IP address.
#include "tests/support/run_process.h"
#include "tests/tgisim/sim_harness.h"

#include <catch2/catch.hpp>

#include <csignal>

using namespace std::chrono_literals;
using tt::test::ChildProcess;
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

namespace {

// Starts tgi-sim, reads its `listening` line, asks for /health on 127.0.0.1, stops it with
// SIGTERM. Returns the address it said it listens on and its standard error.
struct Started {
  std::string address;
  int health = 0;
  int exitCode = -1;
  std::string err;
};
Started startAndStop(const std::vector<std::string>& args,
                     const std::vector<std::string>& environment = {}) {
  ChildProcess sim(args, environment);
  Started out;
  const std::string line = sim.readLine(30s);
  const std::string prefix = "tgi-sim listening on ";
  const size_t colon = line.rfind(':');
  if (line.rfind(prefix, 0) == 0 && colon != std::string::npos) {
    out.address = line.substr(prefix.size(), colon - prefix.size());
    out.health = tt::test::get(std::stoi(line.substr(colon + 1)), "/health").status;
  }
  sim.signal(SIGTERM);
  out.exitCode = sim.wait(30s);
  out.err = sim.err;
  return out;
}

} // namespace

TEST_CASE("a HOSTNAME that is not an IP address, a container's id, gives TGI's fallback to "
          "0.0.0.0 and its warning") {
  const Started container = startAndStop({kBin, "--port", "0"}, {"HOSTNAME=some-container-id"});
  CHECK(container.address == "0.0.0.0");
  CHECK(container.health == 200); // reachable on 127.0.0.1
  CHECK(container.exitCode == 0);
  CHECK_THAT(container.err,
             Catch::EndsWith("\ntgi-sim: note: Invalid hostname, defaulting to 0.0.0.0\n"));

  const Started name = startAndStop({kBin, "--port", "0", "--hostname", "localhost"});
  CHECK(name.address == "0.0.0.0"); // TGI does not resolve names either
  CHECK(name.health == 200);
  CHECK_THAT(name.err, Catch::Contains("Invalid hostname, defaulting to 0.0.0.0"));

  const Started address = startAndStop({kBin, "--port", "0"}, {"HOSTNAME=127.0.0.1"});
  CHECK(address.address == "127.0.0.1");
  CHECK(address.health == 200);
  CHECK_THAT(address.err, !Catch::Contains("Invalid hostname"));
}

TEST_CASE("start-up prints the lines TGI logs about the settings, and a note where it logs none") {
  const Started s = startAndStop({kBin, "--port", "0", "--hostname", "127.0.0.1",
                                  "--max-batch-size", "8", "--max-batch-total-tokens", "100000"});
  CHECK(s.health == 200);
  CHECK(s.err ==
        "tgi-sim: note: `--max-batch-total-tokens` is deprecated for Flash Attention models.\n"
        "tgi-sim: note: Inferred max batch total tokens: 400000\n"
        "tgi-sim: note: Setting max batch total tokens to 400000\n"
        "tgi-sim: note: Model supports prefill chunking. `waiting_served_ratio` and "
        "`max_waiting_tokens` will be ignored.\n"
        "tgi-sim: note: `--max-batch-size` limits only a batch formed while none is running: "
        "with prefill chunking, requests join a running batch whatever its size (TGI does not "
        "log this).\n");

  const Started unchunked = startAndStop({kBin, "--port", "0", "--hostname", "127.0.0.1",
                                          "--prefill-chunking", "off", "--max-batch-size", "8"});
  CHECK(unchunked.err == "tgi-sim: note: Setting max batch total tokens to 400000\n");
}
