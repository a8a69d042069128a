#include "tools/tracetune/demo_command.h"

#include "analyze/slo.h"
#include "tune/demo.h"

#include <filesystem>
#include <iostream>
#include <memory>

namespace tt::cli {

void setupDemo(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<tune::DemoOptions>();
  CLI::App* sub = app.add_subcommand(
      "demo", "The whole journey on a real public trace: tgi-sim, the proxy, analysis, a "
              "recommendation validated by replay, a report (what `make demo` runs)");
  sub->add_option("--dir", o->directory, "Where to write the database, report and logs")
      ->capture_default_str();
  sub->add_option("--slo", o->slo, "Objectives for the recommendation")
      ->check(analyze::sloProblem)
      ->capture_default_str();
  sub->add_option("--time-scale", o->timeScale, "tgi-sim's pace: times faster than real time")
      ->check(CLI::Range(1.0, 100.0))
      ->capture_default_str();
  sub->callback([o, &runner] {
    runner = [o] {
      const auto here = std::filesystem::read_symlink("/proc/self/exe").parent_path();
      o->tracetune = (here / "tracetune").string();
      o->tgiSim = (here / "tgi-sim").string();
      return tune::runDemo(*o, std::cout, std::cerr);
    };
  });
}

} // namespace tt::cli
