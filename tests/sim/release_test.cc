// Scheduler::release: per-request state is reclaimed once the caller is done with a request, so
// a scheduler serving for days holds state only for the requests in flight.
#include "sim/scheduler.h"
#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace tt::sim;
using namespace tt::sim::testing;

TEST_CASE("release: only ended requests, ids stay unique, accessors fall back to defaults") {
  Scheduler s(smallConfig(), flatModel());
  const RequestId a = s.submit(request(0, 10, 2).spec, 0).id;
  const RequestId b = s.submit(request(0, 10, 3).spec, 0).id;
  CHECK(s.trackedRequests() == 2);
  CHECK_FALSE(s.release(a)); // queued
  REQUIRE(s.beginForward(0) != nullptr);
  CHECK_FALSE(s.release(a)); // running
  s.endForward();
  REQUIRE(s.beginForward(10'000) != nullptr);
  s.endForward(); // a ends (2 tokens)
  CHECK(s.status(a) == RequestStatus::Finished);
  CHECK(s.generated(a) == 2);
  CHECK(s.admittedUs(a) == 0);
  CHECK(s.jobs(a) == 1);
  CHECK(s.release(a));
  CHECK_FALSE(s.release(a));
  CHECK(s.status(a) == RequestStatus::Unknown);
  CHECK(s.generated(a) == 0);
  CHECK(s.admittedUs(a) == -1);
  CHECK(s.jobs(a) == 0);
  CHECK(s.trackedRequests() == 1);

  // The slot is reused by the next request, under a new id; b is untouched.
  const RequestId c = s.submit(request(0, 10, 1).spec, 15'000).id;
  CHECK(c == b + 1);
  CHECK(s.requestSlots() == 2);
  CHECK(s.status(c) == RequestStatus::Queued);
  CHECK(s.generated(b) == 2);
  CHECK(s.status(b) == RequestStatus::Running);

  // A request cancelled while running is released at once, before the forward that removes
  // its job: the slot can be reused meanwhile.
  CHECK(s.cancel(b));
  CHECK(s.release(b));
  const RequestId d = s.submit(request(0, 10, 1).spec, 15'000).id;
  CHECK(s.requestSlots() == 2);
  int64_t now = 15'000;
  std::vector<RequestId> seen;
  while (const ForwardRecord* f = s.beginForward(now)) {
    now += f->durationUs;
    for (const TokenEvent& e : s.endForward()) {
      seen.push_back(e.id);
      CHECK(e.last);
      CHECK(s.release(e.id));
    }
  }
  CHECK(seen == std::vector<RequestId>{c, d});
  CHECK(s.trackedRequests() == 0);
  CHECK(s.allocator().cachedBlocks() == 4 * 10); // every prompt stays in the prefix cache
  CHECK(s.allocator().blocksInUse() == 4 * 10);
  CHECK(s.inFlight() == 0);

  // Rejected requests are not tracked.
  auto cfg = smallConfig();
  cfg.maxConcurrentRequests = 0;
  Scheduler full(cfg, flatModel());
  const Admission r = full.submit(request(0, 10, 1).spec, 0);
  CHECK(r.status == Submitted::Overloaded);
  CHECK(full.trackedRequests() == 0);
  CHECK_FALSE(full.release(r.id));
}

TEST_CASE("release: a million short requests keep the scheduler's memory bounded") {
  auto cfg = smallConfig();
  cfg.maxConcurrentRequests = 64;
  cfg.maxBatchTotalTokens = 2'001; // 2,000 blocks: the prefix cache fills and evicts
  Scheduler s(cfg, flatModel());
  constexpr int64_t kRequests = 1'000'000;
  int64_t submitted = 0;
  int64_t finished = 0;
  int64_t cancelled = 0;
  int64_t overloaded = 0;
  int64_t tokens = 0;
  int64_t now = 0;
  size_t maxQueue = 0;
  std::vector<RequestId> running;
  while (submitted < kRequests || s.inFlight() > 0) {
    for (int k = 0; k < 12 && submitted < kRequests; ++k, ++submitted) {
      const auto i = static_cast<uint64_t>(submitted);
      RequestSpec spec =
          request(0, 3 + static_cast<int64_t>(i % 5), 1 + static_cast<int64_t>(i % 3)).spec;
      if (i % 4 == 0) { // a shared prefix for some: cache hits, insertions, evictions
        spec.hashBlockTokens = 2;
        spec.blockHashes = {i % 3, 100 + i % 97};
      }
      const Admission a = s.submit(spec, now);
      if (a.status != Submitted::Queued) {
        ++overloaded;
        continue;
      }
      if (i % 10 == 7) { // the client goes away while queued, and is forgotten at once
        REQUIRE(s.cancel(a.id));
        REQUIRE(s.release(a.id));
        ++cancelled;
      } else if (i % 10 == 3) {
        running.push_back(a.id); // cancelled once running, below
      }
    }
    maxQueue = std::max(maxQueue, s.queueLength());
    const ForwardRecord* f = s.beginForward(now);
    if (f == nullptr) {
      continue;
    }
    now += f->durationUs;
    for (const TokenEvent& e : s.endForward()) {
      ++tokens;
      if (e.last) {
        REQUIRE(s.release(e.id));
        ++finished;
      }
    }
    for (RequestId& id : running) {
      if (s.status(id) == RequestStatus::Running) {
        REQUIRE(s.cancel(id));
        REQUIRE(s.release(id));
        ++cancelled;
        id = -1;
      } else if (s.status(id) == RequestStatus::Unknown) {
        id = -1; // it ended (and was released) before it could be cancelled
      }
    }
    std::erase(running, RequestId{-1});
    // The state held is bounded by the requests in flight, not by the requests served.
    REQUIRE(s.trackedRequests() <= static_cast<size_t>(cfg.maxConcurrentRequests));
  }
  CHECK(finished + cancelled + overloaded == kRequests);
  CHECK(cancelled > 100'000);
  CHECK(finished > 500'000);
  CHECK(tokens > finished);
  CHECK(s.trackedRequests() == 0);
  CHECK(s.requestSlots() <= static_cast<size_t>(cfg.maxConcurrentRequests));
  CHECK(maxQueue <= 64 + 12);
  CHECK(s.queueLength() == 0);
  CHECK(s.allocator().blocksInUse() == s.allocator().cachedBlocks());
  CHECK(s.allocator().cachedBlocks() <= 2'000);
}
