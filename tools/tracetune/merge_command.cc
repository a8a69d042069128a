#include "tools/tracetune/merge_command.h"

#include "schema/store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace tt::cli {
namespace {

struct Part {
  std::string file;
  TraceInfo trace;
  std::vector<Exchange> exchanges;
};

void shift(Exchange& e, int64_t byUs) {
  e.sentUs += byUs;
  for (auto* t : {&e.intendedUs, &e.responseHeadersUs, &e.endUs}) {
    if (*t) {
      **t += byUs;
    }
  }
  for (auto& t : e.tokenTimesUs) {
    t += byUs;
  }
}

} // namespace

void setupMerge(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge", "Combine the replay traces of several databases (shards) into one trace");
  sub->add_option("inputs", options->inputs, "Databases, each with a replay trace")->required();
  sub->add_option("--db", options->db, "Output database (created if missing)")->required();
  sub->add_option("--label", options->label, "Label of the merged trace");
  sub->callback(
      [options, &runner] { runner = [options] { return runMerge(*options, std::cout); }; });
}

int runMerge(const MergeOptions& options, std::ostream& out) {
  std::vector<Part> parts;
  for (const auto& file : options.inputs) {
    Store store(file, Store::Access::Read);
    std::optional<TraceInfo> latest;
    for (const auto& t : store.listTraces()) {
      if (t.kind == TraceKind::Replay && (!latest || t.id > latest->id)) {
        latest = t;
      }
    }
    if (!latest) {
      throw std::runtime_error(file + " holds no replay trace");
    }
    parts.push_back({file, *latest, store.exchanges(latest->id)});
  }
  const int64_t origin =
      std::min_element(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
        return a.trace.originUnixUs < b.trace.originUnixUs;
      })->trace.originUnixUs;
  std::optional<int64_t> sourceTrace = parts.front().trace.sourceTraceId;
  nlohmann::json from = nlohmann::json::array();
  std::vector<Exchange> all;
  for (auto& part : parts) {
    if (part.trace.sourceTraceId != sourceTrace) {
      sourceTrace.reset(); // shards of different sources: no single link
    }
    from.push_back(
        {{"file", part.file}, {"trace", part.trace.id}, {"requests", part.exchanges.size()}});
    for (auto& e : part.exchanges) {
      shift(e, part.trace.originUnixUs - origin);
      e.id = 0;
      all.push_back(std::move(e));
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Exchange& a, const Exchange& b) { return a.sentUs < b.sentUs; });
  Store store(options.db, Store::Access::Create);
  const auto& first = parts.front().trace;
  const int64_t traceId =
      store.createTrace({.kind = TraceKind::Replay,
                         .label = options.label.empty() ? first.label + " merged" : options.label,
                         .target = first.target,
                         .parametersJson = nlohmann::json{{"merged_from", from}}.dump(),
                         .serverInfoJson = first.serverInfoJson,
                         .sourceTraceId = sourceTrace,
                         .originUnixUs = origin});
  store.append(traceId, all);
  out << "merged " << all.size() << " requests from " << parts.size() << " traces into trace "
      << traceId << " of " << options.db << "\n";
  return 0;
}

} // namespace tt::cli
