#include "analyze/load_label.h"
#include "analyze/svg_chart.h"

#include <catch2/catch.hpp>

using namespace tt;
using namespace tt::analyze;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("a curve chart draws the SLO, the knee, the capacity and each point's load") {
  ChartSpec chart{"curve-ttft", "TTFT p90 against throughput", "req/s", "ms", {}, {}};
  ChartSeries served{"served", "#0072B2", {{1, 110}, {2, 130}, {4, 300}}, false, true, false};
  served.labels = {"0.5x", "1x", "2x"};
  ChartSeries rejected{
      "rejected", "#0072B2", {{3.5, 200}}, false, true, false, ChartSeries::Marker::Cross};
  rejected.labels = {"4x"};
  chart.series = {served, rejected};
  chart.rules = {{"slo", false, 2000, "SLO ttft 2000 ms", "#B00020"},
                 {"knee", true, 2.5, "knee 2.5/s", "#0072B2"},
                 {"capacity", true, 3.2, "capacity 3.2/s", "#0072B2"}};
  const std::string svg = renderSvg(chart);
  CHECK(count(svg, "data-rule=\"slo\"") == 1);
  CHECK(count(svg, "data-rule=\"knee\"") == 1);
  CHECK(count(svg, "data-rule=\"capacity\"") == 1);
  CHECK(svg.find(">SLO ttft 2000 ms</text>") != std::string::npos);
  CHECK(svg.find(">knee 2.5/s</text>") != std::string::npos);
  CHECK(svg.find(">capacity 3.2/s</text>") != std::string::npos);
  for (const char* load : {">0.5x</text>", ">1x</text>", ">2x</text>", ">4x</text>"}) {
    CHECK(svg.find(load) != std::string::npos);
  }
  // Each point's marker, and one more in the legend for each series of points.
  CHECK(count(svg, "data-marker=\"cross\"") == 2);
  CHECK(count(svg, "<circle") == 4);
  // The y axis reaches the objective, far above every point.
  CHECK(svg.find(">2000</text>") != std::string::npos);
}

TEST_CASE("a point is named by the load its run was made at") {
  TraceInfo info;
  info.id = 7;
  info.parametersJson = R"({"mode":"speed","value":20})";
  CHECK(loadLabel(info, 10, std::nullopt) == "2x"); // tgi-sim ran 10 times faster
  info.parametersJson = R"({"validation":"current","load":1.2,"mode":"speed","value":12})";
  CHECK(loadLabel(info, 10, std::nullopt) == "1.2x");
  info.parametersJson = R"({"mode":"rate","value":5})";
  CHECK(loadLabel(info, 1, std::nullopt) == "5/s");
  info.parametersJson = R"({"mode":"concurrency","value":8})";
  CHECK(loadLabel(info, 1, std::nullopt) == "c=8");
  info.parametersJson = "";
  CHECK(loadLabel(info, 1, 3.14159) == "3.14/s");
  CHECK(loadLabel(info, 1, std::nullopt) == "#7");
}
