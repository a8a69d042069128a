#pragma once

#include "tests/support/child_process.h"

#include <string>
#include <vector>

namespace tt::test {

struct RunResult {
  int exitCode = -1; // 128 + the signal when one ended it, -1 when it outlived the deadline
  std::string out;
  std::string err;
};

// Runs a program to completion with no stdin, capturing stdout and stderr. A program still
// running after `timeout` is killed, so a hung command fails its test instead of hanging it.
inline RunResult runProcess(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout = std::chrono::minutes(2)) {
  ChildProcess child(args);
  RunResult result;
  result.exitCode = child.wait(timeout);
  result.out = std::move(child.out);
  result.err = std::move(child.err);
  return result;
}

#ifdef TRACETUNE_BIN
// The tracetune executable of this build, run with `args`.
inline RunResult tracetune(std::vector<std::string> args) {
  args.insert(args.begin(), TRACETUNE_BIN);
  return runProcess(args);
}
#endif

// What a user error must look like: exactly one line.
inline bool isOneLine(const std::string& text) {
  return !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
}

} // namespace tt::test
