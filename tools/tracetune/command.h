#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

namespace tt::cli {

// Exit statuses: 0 success, 1 a runtime error (file, network, data), 2 a usage error.
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;

// Set by the chosen subcommand's callback once the command line parsed; main() runs it.
using Runner = std::function<int()>;

// The application with every subcommand registered.
void setupApp(CLI::App& app, Runner& runner);

// Parses and runs; every error a user can cause ends as one line on stderr and an exit status.
int runMain(int argc, char** argv);

// A mistake in the command line that the parser cannot see (a bad value, flags that conflict).
class UsageError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// Runs `body`, turning the exceptions a user can cause into one line: "tracetune: <what>" and
// status 1, or for a UsageError "tracetune: <what> (see tracetune COMMAND --help)" and status 2.
int guarded(const std::function<int()>& body, const std::string& command = "");

} // namespace tt::cli
