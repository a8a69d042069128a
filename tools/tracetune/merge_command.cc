#include "tools/tracetune/merge_command.h"

#include "replay/merge.h"

#include <iostream>
#include <memory>

namespace tt::cli {

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
  const replay::Merged merged = replay::mergeReplays(options.inputs, options.db, options.label);
  out << "merged " << merged.requests << " requests from " << merged.traces << " traces into trace "
      << merged.traceId << " of " << options.db;
  if (merged.sourceTraceId) {
    out << " (their source copied as trace " << *merged.sourceTraceId << ")";
  }
  out << "\n";
  return 0;
}

} // namespace tt::cli
