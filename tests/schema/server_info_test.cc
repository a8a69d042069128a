// A trace's server info read through one type.
#include "schema/server_info.h"

#include "core/simulator_info.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tt;

TEST_CASE("a TGI /info gives its model, version and limits, anything else nothing") {
  // TGI v3's /info (docs/tgi.md, "/info"), with the KV capacity the proxy adds.
  const ServerInfo tgi = ServerInfo::read(
      R"({"model_id":"meta-llama/Meta-Llama-3-8B-Instruct","model_sha":null,)"
      R"("max_concurrent_requests":128,"max_best_of":2,"max_input_tokens":8191,)"
      R"("max_total_tokens":8192,"version":"3.3.6-dev0","max_batch_total_tokens":400000})");
  CHECK(tgi.fromTgi);
  CHECK(tgi.modelId == "meta-llama/Meta-Llama-3-8B-Instruct");
  CHECK(tgi.version == "3.3.6-dev0");
  CHECK(tgi.maxConcurrentRequests == 128);
  CHECK(tgi.maxInputTokens == 8191);
  CHECK(tgi.maxTotalTokens == 8192);
  CHECK(tgi.maxBatchTotalTokens == 400000);
  CHECK(tgi.timeScale == 1);

  // A limit of the wrong type is absent, not zero.
  const ServerInfo odd = ServerInfo::read(R"({"model_id":"m","max_concurrent_requests":"many"})");
  CHECK(odd.fromTgi);
  CHECK_FALSE(odd.maxConcurrentRequests);

  for (const char* other : {"", "[]", "not json", R"({"simulated":true})"}) {
    const ServerInfo none = ServerInfo::read(other);
    CHECK_FALSE(none.fromTgi);
    CHECK(none.version.empty());
    CHECK_FALSE(none.maxTotalTokens);
  }
}

TEST_CASE("tgi-sim's simulator member reads back as it was written") {
  nlohmann::ordered_json info{{"model_id", "m"}};
  info["simulator"] = SimulatorInfo{.timeScale = 12.5}.toJson();
  CHECK(info.dump() == R"({"model_id":"m","simulator":{"name":"tgi-sim","time_scale":12.5}})");
  CHECK(ServerInfo::read(info.dump()).timeScale == 12.5);

  const SimulatorInfo back =
      SimulatorInfo::fromJson(nlohmann::json::parse(info.dump())["simulator"]);
  CHECK(back.name == "tgi-sim");
  CHECK(back.timeScale == 12.5);

  // A time scale that is not a positive number, or no object at all, is real time.
  for (const char* odd : {R"({"time_scale":0})", R"({"time_scale":"10"})", "[]", "null"}) {
    CHECK(SimulatorInfo::fromJson(nlohmann::json::parse(odd)).timeScale == 1);
  }
  CHECK(ServerInfo::read(R"({"model_id":"m","simulator":{"time_scale":-2}})").timeScale == 1);
}
