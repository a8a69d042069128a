#pragma once

#include "tests/support/child_process.h"

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt::test {

// A tgi-sim process on 127.0.0.1, port 0, `timeScale` times faster than real time, with any
// further launcher flags; ended by its PID.
class TgiSimProcess {
public:
  explicit TgiSimProcess(double timeScale, const std::vector<std::string>& flags = {})
      : process_(command(timeScale, flags)) {
    using namespace std::chrono_literals;
    const std::string line = process_.readLine(30s);
    const std::string prefix = "tgi-sim listening on 127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) {
      throw std::runtime_error("tgi-sim did not start: '" + line + "' " + process_.err);
    }
    port_ = std::stoi(line.substr(prefix.size()));
  }
  ~TgiSimProcess() { stop(); }
  TgiSimProcess(const TgiSimProcess&) = delete;
  TgiSimProcess& operator=(const TgiSimProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // SIGTERM, then its exit status (0 when it shut down cleanly).
  int stop() {
    using namespace std::chrono_literals;
    if (!stopped_) {
      stopped_ = true;
      process_.signal(SIGTERM);
      status_ = process_.wait(30s);
    }
    return status_;
  }

private:
  static std::vector<std::string> command(double timeScale, const std::vector<std::string>& flags) {
    std::vector<std::string> args{std::string(TT_BINARY_DIR) + "/tgi-sim",
                                  "--hostname",
                                  "127.0.0.1",
                                  "--port",
                                  "0",
                                  "--time-scale",
                                  std::to_string(timeScale)};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }

  ChildProcess process_;
  int port_ = 0;
  bool stopped_ = false;
  int status_ = -1;
};

} // namespace tt::test
