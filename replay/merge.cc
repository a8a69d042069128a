#include "replay/merge.h"

#include "schema/store.h"
#include "schema/trace_parameters.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace tt::replay {
namespace {

struct Part {
  std::string file;
  TraceInfo trace;
  std::vector<Exchange> exchanges;
  std::optional<TraceInfo> source; // the trace the shard replayed, when its file has it
  std::vector<Exchange> sourceExchanges;
};

// Shards replay copies of one trace, each in its own file: the same trace id and the same
// requests at the same times.
bool sameSource(const Part& a, const Part& b) {
  if (!a.source || !b.source || a.source->id != b.source->id ||
      a.sourceExchanges.size() != b.sourceExchanges.size()) {
    return false;
  }
  for (size_t i = 0; i < a.sourceExchanges.size(); ++i) {
    if (a.sourceExchanges[i].id != b.sourceExchanges[i].id ||
        a.sourceExchanges[i].sentUs != b.sourceExchanges[i].sentUs) {
      return false;
    }
  }
  return true;
}

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

Merged mergeReplays(const std::vector<std::string>& inputs, const std::string& db,
                    const std::string& label) {
  std::vector<Part> parts;
  for (const auto& file : inputs) {
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
    Part part{file, *latest, store.exchanges(latest->id), std::nullopt, {}};
    if (latest->sourceTraceId) {
      part.source = store.findTrace(*latest->sourceTraceId);
      if (part.source) {
        part.sourceExchanges = store.exchanges(part.source->id);
      }
    }
    parts.push_back(std::move(part));
  }
  const int64_t origin =
      std::min_element(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
        return a.trace.originUnixUs < b.trace.originUnixUs;
      })->trace.originUnixUs;
  // One shared source is copied into the output so every merged request links to its source
  // there; shards of different sources keep no link (their ids mean nothing in the output).
  bool linked = parts.front().source.has_value();
  for (const auto& part : parts) {
    linked = linked && sameSource(parts.front(), part);
  }
  MergeParameters merged;
  std::vector<Exchange> all;
  for (auto& part : parts) {
    merged.mergedFrom.push_back(
        {.file = part.file, .trace = part.trace.id, .requests = part.exchanges.size()});
    for (auto& e : part.exchanges) {
      shift(e, part.trace.originUnixUs - origin);
      e.id = 0;
      if (!linked) {
        e.sourceRequestId.reset();
      }
      all.push_back(std::move(e));
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Exchange& a, const Exchange& b) { return a.sentUs < b.sentUs; });
  Store store(db, Store::Access::Create);
  std::optional<int64_t> sourceTrace;
  if (linked) {
    Part& part = parts.front();
    const TraceInfo& src = *part.source;
    sourceTrace = store.createTrace({.kind = src.kind,
                                     .label = src.label,
                                     .target = src.target,
                                     .parametersJson = src.parametersJson,
                                     .serverInfoJson = src.serverInfoJson,
                                     .originUnixUs = src.originUnixUs});
    std::map<int64_t, int64_t> newId;
    std::vector<int64_t> oldIds;
    for (auto& e : part.sourceExchanges) {
      oldIds.push_back(e.id);
      e.id = 0;
      e.sourceRequestId.reset(); // its own source is not copied
    }
    store.append(*sourceTrace, part.sourceExchanges);
    for (size_t i = 0; i < oldIds.size(); ++i) {
      newId[oldIds[i]] = part.sourceExchanges[i].id;
    }
    for (auto& e : all) {
      if (e.sourceRequestId) {
        const auto it = newId.find(*e.sourceRequestId);
        e.sourceRequestId = it == newId.end() ? std::nullopt : std::optional(it->second);
      }
    }
  }
  const auto& first = parts.front().trace;
  const int64_t traceId =
      store.createTrace({.kind = TraceKind::Replay,
                         .label = label.empty() ? first.label + " merged" : label,
                         .target = first.target,
                         .parametersJson = merged.json(),
                         .serverInfoJson = first.serverInfoJson,
                         .sourceTraceId = sourceTrace,
                         .originUnixUs = origin});
  store.append(traceId, all);
  return {.traceId = traceId,
          .requests = all.size(),
          .traces = parts.size(),
          .sourceTraceId = sourceTrace};
}

} // namespace tt::replay
