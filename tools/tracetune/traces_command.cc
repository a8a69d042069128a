#include "tools/tracetune/traces_command.h"

#include "analyze/text_table.h"
#include "schema/store.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include <iostream>
#include <memory>

namespace tt::cli {

void setupTraces(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<TracesOptions>();
  CLI::App* sub = app.add_subcommand("traces", "List the traces stored in a database");
  sub->add_option("--db", options->db, "Database file")->required();
  sub->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  sub->callback(
      [options, &runner] { runner = [options] { return runTraces(*options, std::cout); }; });
}

int runTraces(const TracesOptions& options, std::ostream& out) {
  Store store(options.db, Store::Access::Read);
  const auto traces = store.listTraces();

  auto spanUs = [](const TraceInfo& t) -> std::optional<int64_t> {
    if (!t.firstSentUs || !t.lastEndUs) {
      return std::nullopt;
    }
    return *t.lastEndUs - *t.firstSentUs;
  };

  if (options.format == "json") {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& t : traces) {
      const auto span = spanUs(t);
      array.push_back({{"id", t.id},
                       {"kind", traceKindName(t.kind)},
                       {"label", t.label},
                       {"created", t.created},
                       {"state", traceStateName(t.state)},
                       {"requests", t.requests},
                       {"span_us", span ? nlohmann::json(*span) : nlohmann::json()},
                       {"target", t.target},
                       {"source_trace_id",
                        t.sourceTraceId ? nlohmann::json(*t.sourceTraceId) : nlohmann::json()}});
    }
    out << array.dump(2) << "\n";
    return 0;
  }

  if (traces.empty()) {
    out << "no traces in " << options.db << "\n";
    return 0;
  }
  using Align = analyze::Table::Align;
  analyze::Table table({{"id", Align::Right},
                        {"kind"},
                        {"label"},
                        {"created"},
                        {"state"},
                        {"requests", Align::Right},
                        {"span", Align::Right},
                        {"source", Align::Right},
                        {"target"}});
  for (const auto& t : traces) {
    const auto span = spanUs(t);
    table.addRow({std::to_string(t.id), std::string(traceKindName(t.kind)), t.label, t.created,
                  std::string(traceStateName(t.state)), std::to_string(t.requests),
                  span ? analyze::formatDurationUs(*span) : "-",
                  t.sourceTraceId ? std::to_string(*t.sourceTraceId) : "-", t.target});
  }
  table.print(out);
  if (std::any_of(traces.begin(), traces.end(),
                  [](const TraceInfo& t) { return t.state != TraceState::Complete; })) {
    out << "interrupted and recording traces are partial: their runs were stopped early, are "
           "still going, or crashed\n";
  }
  return 0;
}

} // namespace tt::cli
