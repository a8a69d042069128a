#include "analyze/analysis.h"

#include "analyze/reader.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace tt::analyze {
namespace {

std::vector<TraceInfo> selectTraces(Store& store, const Selection& selection) {
  const std::string& db = store.db().path();
  const std::string listHint = "; `tracetune traces --db " + db + "` lists them";
  std::vector<TraceInfo> chosen;
  std::set<int64_t> seen;
  for (const int64_t id : selection.traceIds) {
    auto info = store.findTrace(id);
    if (!info) {
      throw AnalyzeError("no trace " + std::to_string(id) + " in " + db + listHint);
    }
    if (seen.insert(id).second) {
      chosen.push_back(std::move(*info));
    }
  }
  if (selection.family) {
    int64_t matched = 0;
    for (auto& info : store.listTraces()) {
      if (info.label.starts_with(*selection.family)) {
        ++matched;
        if (seen.insert(info.id).second) {
          chosen.push_back(std::move(info));
        }
      }
    }
    if (matched == 0) {
      throw AnalyzeError("no trace label in " + db + " starts with '" + *selection.family + "'" +
                         listHint);
    }
  }
  if (selection.traceIds.empty() && !selection.family) {
    auto all = store.listTraces();
    if (all.empty()) {
      throw AnalyzeError("no traces in " + db + ": capture, replay or import one first");
    }
    if (all.size() > 1) {
      throw AnalyzeError(db + " holds " + std::to_string(all.size()) +
                         " traces: name the trace ids to analyse, or a --family label prefix" +
                         listHint);
    }
    chosen = std::move(all);
  }
  return chosen;
}

// What a reader must know before trusting a trace's figures.
void addTraceNotes(TraceReport& trace) {
  auto& notes = trace.metrics.notes;
  switch (trace.info.state) {
  case TraceState::Complete:
    break;
  case TraceState::Interrupted:
    notes.insert(notes.begin(), "partial: its run was interrupted before its end (Ctrl-C); "
                                "the figures cover the requests stored");
    break;
  case TraceState::Recording:
    notes.insert(notes.begin(), "partial: its run is still recording, or ended without closing "
                                "the trace (a crash); the figures cover the requests stored");
    break;
  }
  if (trace.timeScale != 1) {
    char note[200];
    std::snprintf(note, sizeof note,
                  "in the server's time: tgi-sim ran %g times faster than real time, so every "
                  "time was multiplied by %g and every rate divided by it",
                  trace.timeScale, trace.timeScale);
    notes.push_back(note);
  }
}

} // namespace

Report analyzeStore(Store& store, const Selection& selection, const Slo& slo) {
  Report report;
  report.database = store.db().path();
  report.slo = slo;
  const std::vector<TraceInfo> infos = selectTraces(store, selection);

  // Records stay in memory only for traces that take part in a replay-to-source comparison.
  std::set<int64_t> ids;
  for (const auto& info : infos) {
    ids.insert(info.id);
  }
  std::set<int64_t> keep;
  for (const auto& info : infos) {
    if (info.sourceTraceId && ids.count(*info.sourceTraceId) > 0) {
      keep.insert(info.id);
      keep.insert(*info.sourceTraceId);
    }
  }
  std::map<int64_t, std::vector<RequestRecord>> kept;
  for (const auto& info : infos) {
    TraceAccumulator accumulator(slo);
    TraceReport trace;
    trace.info = info;
    trace.timeScale = serverTimeScale(info);
    forEachRecord(
        store, info.id, trace.timeScale,
        [&](const RequestRecord& r, std::span<const int64_t> times) { accumulator.add(r, times); });
    trace.metrics = accumulator.finish();
    addTraceNotes(trace);
    trace.batches = computeBatchViews(accumulator.records());
    trace.timeline = computeTimeline(accumulator.records());
    if (keep.count(info.id) > 0) {
      kept[info.id] = accumulator.takeRecords();
    }
    report.traces.push_back(std::move(trace));
  }
  for (const auto& info : infos) {
    if (info.sourceTraceId && kept.count(*info.sourceTraceId) > 0) {
      RequestDeltas d = compareRequests(kept.at(*info.sourceTraceId), kept.at(info.id));
      d.replayTraceId = info.id;
      d.sourceTraceId = *info.sourceTraceId;
      report.deltas.push_back(std::move(d));
    }
  }
  if (selection.family) {
    std::vector<FamilyMember> members;
    for (const auto& t : report.traces) {
      if (t.info.label.starts_with(*selection.family)) {
        members.push_back({t.info, &t.metrics, t.timeScale});
      }
    }
    report.curves = computeCurves(*selection.family, members, slo);
  }
  return report;
}

} // namespace tt::analyze
