#include "tools/tracetune/command.h"

#include "tools/tracetune/analyze_command.h"
#include "tools/tracetune/calibrate_command.h"
#include "tools/tracetune/demo_command.h"
#include "tools/tracetune/export_command.h"
#include "tools/tracetune/import_command.h"
#include "tools/tracetune/merge_command.h"
#include "tools/tracetune/proxy_command.h"
#include "tools/tracetune/recommend_command.h"
#include "tools/tracetune/replay_command.h"
#include "tools/tracetune/simulate_command.h"
#include "tools/tracetune/traces_command.h"

#include <exception>
#include <iostream>

namespace tt::cli {

void setupApp(CLI::App& app, Runner& runner) {
  app.description("tracetune: capture, replay and analyze Text Generation Inference traffic");
  app.set_version_flag("--version", std::string("tracetune ") + TRACETUNE_VERSION);
  app.require_subcommand(1, 1);
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    // The error is raised on the top app; the subcommand the user named has the --help to read.
    const auto chosen = failed->get_subcommands();
    const std::string help =
        chosen.empty() ? "tracetune --help" : "tracetune " + chosen.front()->get_name() + " --help";
    return std::string(e.what()) + " (see " + help + ")\n";
  });
  // In the order of the data: record, bring in, re-run, what-if, read.
  setupProxy(app, runner);
  setupImport(app, runner);
  setupExport(app, runner);
  setupReplay(app, runner);
  setupMerge(app, runner);
  setupSimulate(app, runner);
  setupCalibrate(app, runner);
  setupRecommend(app, runner);
  setupAnalyze(app, runner);
  setupTraces(app, runner);
  setupDemo(app, runner);
}

int runMain(int argc, char** argv) {
  CLI::App app;
  app.name("tracetune");
  Runner runner;
  setupApp(app, runner);
  // CLI11 would take an unknown command for a stray argument ("A subcommand is required").
  const auto named = [&](const CLI::App* sub) { return sub->check_name(argv[1]); };
  if (argc > 1 && argv[1][0] != '-' && app.get_subcommands(named).empty()) {
    std::cerr << "tracetune: unknown command '" << argv[1] << "' (see tracetune --help)\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) { // --help, --version
      return app.exit(e);
    }
    std::cerr << "tracetune: ";
    app.exit(e, std::cout, std::cerr);
    return kExitUsage;
  }
  const auto chosen = app.get_subcommands();
  return guarded(runner, chosen.empty() ? "" : chosen.front()->get_name());
}

int guarded(const std::function<int()>& body, const std::string& command) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << "tracetune: " << e.what() << " (see tracetune "
              << (command.empty() ? "" : command + " ") << "--help)\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "tracetune: " << e.what() << "\n";
    return kExitRuntimeError;
  }
}

} // namespace tt::cli
