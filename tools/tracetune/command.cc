#include "tools/tracetune/command.h"

#include "tools/tracetune/analyze_command.h"
#include "tools/tracetune/export_command.h"
#include "tools/tracetune/import_command.h"
#include "tools/tracetune/merge_command.h"
#include "tools/tracetune/proxy_command.h"
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
    return std::string(e.what()) + " (see " + failed->get_name() + " --help)\n";
  });
  // In the order of the data: record, bring in, re-run, what-if, read.
  setupProxy(app, runner);
  setupImport(app, runner);
  setupExport(app, runner);
  setupReplay(app, runner);
  setupMerge(app, runner);
  setupSimulate(app, runner);
  setupAnalyze(app, runner);
  setupTraces(app, runner);
}

int runMain(int argc, char** argv) {
  CLI::App app;
  app.name("tracetune");
  Runner runner;
  setupApp(app, runner);
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
  return guarded(runner);
}

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "tracetune: " << e.what() << "\n";
    return kExitRuntimeError;
  }
}

} // namespace tt::cli
