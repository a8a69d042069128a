#pragma once

#include "tests/support/child_process.h"

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace tt::test {

// The port of the HOST:PORT that follows `phrase` in the start-up line, or 0.
inline int portAfter(const std::string& text, const std::string& phrase) {
  const size_t at = text.find(phrase);
  if (at == std::string::npos) {
    return 0;
  }
  const size_t end = text.find_first_of(",; \n", at + phrase.size());
  const size_t colon = text.rfind(':', end);
  return colon == std::string::npos || colon < at ? 0 : std::atoi(text.c_str() + colon + 1);
}

// A started `tracetune proxy` whose start-up line (stderr) has been read.
struct ProxyProcess {
  explicit ProxyProcess(std::vector<std::string> args)
      : child(withCommand(std::move(args))),
        startLine(child.readLine(std::chrono::seconds(20), /*fromStderr=*/true)),
        port(portAfter(startLine, "listening on ")), adminPort(portAfter(startLine, "admin on ")) {}

  // Sends `signum` and waits for the exit status (-1: no exit in time); the rest of stderr is
  // then in child.err.
  int stop(int signum) {
    child.signal(signum);
    return child.wait(std::chrono::seconds(20));
  }

  static std::vector<std::string> withCommand(std::vector<std::string> args) {
    args.insert(args.begin(), {std::string(TT_BINARY_DIR) + "/tracetune", "proxy"});
    return args;
  }

  ChildProcess child;
  std::string startLine;
  int port = 0;
  int adminPort = 0;
};

} // namespace tt::test
