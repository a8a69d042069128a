// Scheduler::cancel: a client that went away (sim/README.md). Hand-computed
// with the flat cost model: eager forwards 10 ms, graph decodes 5 ms.
#include "sim/scheduler.h"
#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <optional>
#include <vector>

using namespace tt::sim;
using namespace tt::sim::testing;
using K = ForwardKind;

namespace {

RequestSpec spec(int64_t input, int64_t maxNew) {
  return request(0, input, maxNew).spec;
}

// Drives a scheduler by hand: one forward per step(), time advancing by its duration.
struct Stepper {
  Scheduler& s;
  int64_t now = 0;
  ForwardRecord last;
  std::vector<TokenEvent> events;

  // Begins a forward; false when there is nothing to run.
  bool begin() {
    const ForwardRecord* f = s.beginForward(now);
    if (f == nullptr) {
      return false;
    }
    last = *f;
    return true;
  }
  void end() {
    now += last.durationUs;
    const auto e = s.endForward();
    events.assign(e.begin(), e.end());
  }
  bool step() {
    if (!begin()) {
      return false;
    }
    end();
    return true;
  }
  bool emitted(RequestId id) const {
    for (const auto& e : events) {
      if (e.id == id) {
        return true;
      }
    }
    return false;
  }
};

} // namespace

TEST_CASE("cancel: a queued request is skipped and the one behind it is admitted at once") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 1000;
  cfg.maxBatchTotalTokens = 101; // 100 usable blocks
  Scheduler s(cfg, flatModel());
  Stepper st{s};
  // A reserves 40+30-1 = 69 blocks, B 69 more (blocked), C 5+5-1 = 9 (behind B).
  const RequestId a = s.submit(spec(40, 30), 0).id;
  const RequestId b = s.submit(spec(40, 30), 0).id;
  const RequestId c = s.submit(spec(5, 5), 0).id;
  REQUIRE(st.begin());
  CHECK(st.last.kind == K::Prefill);
  CHECK(st.last.admitted == 1);
  CHECK(st.last.blocksInUse == 69);

  // B's client goes away during A's prefill: its permit is back at once; its entry stays in
  // the queue until next_batch pops it (TGI's queue size still counts it).
  CHECK(s.inFlight() == 3);
  CHECK(s.cancel(b));
  CHECK(s.inFlight() == 2);
  CHECK(s.status(b) == RequestStatus::Cancelled);
  CHECK(s.queueLength() == 2);
  CHECK_FALSE(s.cancel(b)); // once
  st.end();
  CHECK(st.emitted(a));
  CHECK_FALSE(st.emitted(b));

  // 10 ms: next_batch drops B and admits C beside A (without the cancel C would wait for A's
  // end at 10 + 29 x 5 = 155 ms): a mixed forward with 69 + 9 blocks.
  REQUIRE(st.begin());
  CHECK(st.last.kind == K::Mixed);
  CHECK(st.last.startUs == 10'000);
  CHECK(st.last.admitted == 1);
  CHECK(st.last.prefillTokens == 5);
  CHECK(st.last.blocksInUse == 69 + 9);
  CHECK(s.queueLength() == 0);
  CHECK(s.status(c) == RequestStatus::Running);
  CHECK(s.admittedUs(c) == 10'000);
  CHECK(s.admittedUs(b) == -1);
  st.end();
  CHECK(st.now == 20'000);
  CHECK(st.emitted(c));
  CHECK(s.generated(c) == 1);

  // Nothing of B ever comes; A and C end, and every permit is back.
  while (st.step()) {
    CHECK_FALSE(st.emitted(b));
  }
  CHECK(s.status(a) == RequestStatus::Finished);
  CHECK(s.status(c) == RequestStatus::Finished);
  CHECK(s.generated(b) == 0);
  CHECK(s.inFlight() == 0);
  // What stays is the prompts of A and C in the prefix cache; B never had an allocation.
  CHECK(s.allocator().cachedBlocks() == 40 + 5);
  CHECK(s.allocator().blocksInUse() == 40 + 5);
}

TEST_CASE("cancel: a running request is computed once more, then removed with its blocks") {
  Scheduler s(smallConfig(), flatModel());
  Stepper st{s};
  // Each reserves 10+100-1 = 109 blocks; a job that ends leaves its 10 prompt tokens cached.
  const RequestId a = s.submit(spec(10, 100), 0).id;
  const RequestId b = s.submit(spec(10, 100), 0).id;
  REQUIRE(st.step()); // prefill of both: first tokens at 10 ms
  REQUIRE(st.step()); // decode, graph 2: second tokens at 15 ms
  CHECK(st.last.graphBatch == 2);
  CHECK(s.generated(a) == 2);

  SECTION("between forwards: it stays in the next forward, which frees it and emits nothing") {
    CHECK(s.cancel(a));
    CHECK(s.inFlight() == 1);
    CHECK(s.status(a) == RequestStatus::Cancelled);
    REQUIRE(st.begin()); // TGI learns of the drop when it sends this forward's token
    CHECK(st.last.batchSize == 2);
    CHECK(st.last.graphBatch == 2);
    CHECK(st.last.blocksInUse == 218);
    st.end();
    CHECK(st.now == 20'000);
    CHECK(st.events.size() == 1);
    CHECK(st.emitted(b));
    CHECK(s.allocator().blocksInUse() == 109 + 10);
    REQUIRE(st.begin());
    CHECK(st.last.batchSize == 1);
    CHECK(st.last.graphBatch == 1);
    CHECK(st.last.blocksInUse == 109 + 10);
    st.end();
  }
  SECTION("during a forward: it takes effect in endForward") {
    REQUIRE(st.begin());
    CHECK(st.last.batchSize == 2);
    CHECK(s.cancel(a));
    CHECK(s.inFlight() == 1);
    CHECK(s.allocator().blocksInUse() == 218); // never mid-forward
    st.end();
    CHECK(st.events.size() == 1);
    CHECK(st.emitted(b));
    CHECK(s.allocator().blocksInUse() == 109 + 10);
  }
  CHECK(s.generated(a) == 2); // the tokens sent before the cancel
  while (st.step()) {
    CHECK_FALSE(st.emitted(a));
  }
  CHECK(s.generated(b) == 100);
  CHECK(s.status(b) == RequestStatus::Finished);
  CHECK(s.allocator().blocksInUse() == 10 + 10);
  CHECK(s.allocator().cachedBlocks() == 10 + 10);
  CHECK(s.inFlight() == 0);
}

TEST_CASE("cancel: a request still prefilling is removed after its last chunk") {
  // The shard returns no generation for a sequence that is still prefilling, so the router only
  // sees the closed channel once the prompt is done (sim/README.md).
  auto cfg = smallConfig();
  cfg.prefixCaching = false;
  Scheduler s(cfg, flatModel());
  Stepper st{s};
  const RequestId a = s.submit(spec(250, 5), 0).id; // 254 blocks, chunks of 100, 100, 50
  REQUIRE(st.step());
  CHECK(st.last.prefillTokens == 100);
  CHECK(s.cancel(a));
  CHECK(s.inFlight() == 0);
  REQUIRE(st.step());
  CHECK(st.last.prefillTokens == 100);
  CHECK(s.allocator().blocksInUse() == 254);
  REQUIRE(st.step());
  CHECK(st.last.prefillTokens == 50);
  CHECK(st.events.empty());
  CHECK(s.allocator().blocksInUse() == 0);
  CHECK_FALSE(st.begin()); // the batch is empty: idle
  CHECK(st.now == 30'000);
  CHECK(s.generated(a) == 0);
}

TEST_CASE("cancel: the prompt of a dropped request joins the prefix cache") {
  auto cfg = smallConfig();
  Scheduler s(cfg, flatModel());
  Stepper st{s};
  RequestSpec a = spec(48, 10);
  a.blockHashes = {1, 2, 3};
  a.hashBlockTokens = 16;
  const RequestId ia = s.submit(a, 0).id;
  REQUIRE(st.step());
  CHECK(s.cancel(ia));
  REQUIRE(st.step()); // removed: its 48 prompt blocks stay cached, the other 9 are free
  CHECK(st.events.empty());
  CHECK(s.allocator().cachedBlocks() == 48);
  CHECK(s.allocator().blocksInUse() == 48);
  const RequestId ib = s.submit(a, st.now).id;
  REQUIRE(st.step());
  CHECK(st.last.prefillTokens == 1); // all but one token from the cache
  CHECK(s.cachedTokens(ib) == 47);
}

TEST_CASE("cancel: the permit comes back at once, nothing to cancel otherwise") {
  auto cfg = smallConfig();
  cfg.maxConcurrentRequests = 1;
  Scheduler s(cfg, flatModel());
  const RequestId a = s.submit(spec(10, 5), 0).id;
  CHECK(s.submit(spec(10, 5), 0).status == Submitted::Overloaded);
  CHECK(s.cancel(a));
  const Admission c = s.submit(spec(10, 5), 0);
  CHECK(c.status == Submitted::Queued);
  CHECK(s.inFlight() == 1);
  CHECK(s.queueLength() == 2); // a's entry until next_batch pops it
  const ForwardRecord* f = s.beginForward(0);
  REQUIRE(f != nullptr);
  CHECK(f->admitted == 1);
  CHECK(f->prefillTokens == 10);
  CHECK(s.queueLength() == 0);
  CHECK(s.endForward().size() == 1);

  const RequestId overloaded = 1;
  CHECK(s.status(overloaded) == RequestStatus::Unknown);
  CHECK_FALSE(s.cancel(overloaded)); // rejected at submit
  CHECK_FALSE(s.cancel(-1));
  CHECK_FALSE(s.cancel(1000));
  while (s.beginForward(0) != nullptr) {
    s.endForward();
  }
  CHECK(s.status(c.id) == RequestStatus::Finished);
  CHECK_FALSE(s.cancel(c.id)); // ended
}

TEST_CASE("cancel: a continuation job waiting in the queue is dropped") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 4096;
  Scheduler s(cfg, flatModel());
  Stepper st{s};
  const RequestId a = s.submit(spec(100, 1500), 0).id; // jobs of 1024 new tokens
  for (int i = 0; i < 1024; ++i) {
    REQUIRE(st.step());
  }
  CHECK(s.status(a) == RequestStatus::Queued); // the second job is queued
  CHECK(s.jobs(a) == 2);
  CHECK(s.cancel(a));
  CHECK_FALSE(st.begin());
  CHECK(s.queueLength() == 0);
  CHECK(s.inFlight() == 0);
  CHECK(s.allocator().blocksInUse() == 100); // the first job's prompt, cached
}
