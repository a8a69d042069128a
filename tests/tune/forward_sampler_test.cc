#include "tune/forward_sampler.h"

#include <catch2/catch.hpp>

using namespace tt;

namespace {

sim::ForwardRecord forward(int64_t startUs, int32_t batch, int32_t queue, int64_t blocks) {
  sim::ForwardRecord f;
  f.startUs = startUs;
  f.batchSize = batch;
  f.queueLength = queue;
  f.blocksInUse = blocks;
  return f;
}

} // namespace

TEST_CASE("the sampler keeps each 100 ms window's last forward, three gauges each") {
  tune::ForwardSampler sampler;
  CHECK(sampler.windows() == 0);
  sampler.add(forward(0, 1, 4, 10));
  sampler.add(forward(50'000, 2, 3, 20)); // same window: replaces the first
  sampler.add(forward(120'000, 3, 2, 30));
  sampler.add(forward(130'000, 4, 1, 40));
  sampler.add(forward(450'000, 5, 0, 50)); // windows without a forward have no sample
  REQUIRE(sampler.windows() == 3);

  const auto all = sampler.samples(0, 10);
  REQUIRE(all.size() == 9);
  CHECK(all[0].tUs == 50'000);
  CHECK(all[0].name == "tgi_batch_current_size");
  CHECK(all[0].value == 2);
  CHECK(all[1].name == "tgi_queue_size");
  CHECK(all[1].value == 3);
  CHECK(all[2].name == "kv_blocks_in_use");
  CHECK(all[2].value == 20);
  CHECK(all[3].tUs == 130'000);
  CHECK(all[3].value == 4);
  CHECK(all[8].tUs == 450'000);
  CHECK(all[8].value == 50);

  // In slices, for writing a long run a part at a time.
  const auto middle = sampler.samples(1, 1);
  REQUIRE(middle.size() == 3);
  CHECK(middle[0].tUs == 130'000);
  CHECK(sampler.samples(3, 5).empty());
}
