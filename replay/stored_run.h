#pragma once

#include "replay/runner.h"
#include "schema/store.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>

namespace tt::replay {

struct StoredRunOptions {
  std::string db; // where the results go (the store's file: the writer opens its own connection)
  NewTrace trace; // the replay trace to create: label, target, parameters, server info, source
  int preconnect = 0; // connections opened before the start (a closed loop opens its own)
  std::optional<int64_t> startAtUnixUs; // the origin on the wall clock (shards); else 20 ms on
  bool realtime = false;                // send from a SCHED_FIFO thread (core/realtime.h)
};

struct StoredRun {
  int64_t traceId = 0;
  RunStats stats;
  uint64_t unwritten = 0; // results the writer could not store
};

// One replay run into a database: `plan` sent by a Runner on a loop of its own, every result
// written by a capture writer into a new replay trace, which ends `complete`, or `interrupted`
// after Ctrl-C. Warnings (connections not opened, a late start) go to `err`.
StoredRun runAndStore(Store& store, const Clock& clock, const Plan& plan,
                      std::span<const Exchange> sources, const RunOptions& run,
                      const StoredRunOptions& options, std::ostream& err);

} // namespace tt::replay
