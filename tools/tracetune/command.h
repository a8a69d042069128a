#pragma once

#include <CLI/CLI.hpp>

#include <functional>
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

// Runs `body`, turning the exceptions a user can cause into "tracetune: <what>" and status 1.
int guarded(const std::function<int()>& body);

} // namespace tt::cli
