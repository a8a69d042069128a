#pragma once

#include <ostream>
#include <string>

namespace tt::tune {

struct DemoOptions {
  std::string directory = "tracetune-demo"; // everything the demo writes goes here
  double timeScale = 10;                    // tgi-sim's pace: the 3.6 minutes take 22 s
  std::string slo = "ttft=2s,itl=100ms";
  double attainment = 0.95;
  std::string tracetune; // this program, for `tracetune proxy`
  std::string tgiSim;    // tgi-sim, the stand-in for TGI
};

// `tracetune demo`: the whole journey on the embedded Azure trace slice. tgi-sim with TGI's
// default settings, `tracetune proxy` in front of it, the slice sent through the proxy as
// production traffic, the capture analyzed, launcher settings recommended for it, the current and
// the recommended settings validated by replay against relaunched tgi-sims, report.html written,
// and a short summary. Progress goes to `progress`, the summary to `out`; returns the exit
// status. Throws for what a user can fix (a directory it cannot write, a server that will not
// start).
int runDemo(const DemoOptions& options, std::ostream& out, std::ostream& progress);

} // namespace tt::tune
