// End to end over real sockets: 200 concurrent streams at --time-scale 20 complete, each token
// comes from the forward the model scheduled, never before that forward's scaled end, and /metrics
// agrees with them. How close to that end it arrives is measured by bench/tgisim.
#include "tests/tgisim/sim_harness.h"
#include "tests/tgisim/stream_client.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>

using nlohmann::json;
using tt::test::ForwardLog;
using tt::test::ServerThread;
using tt::test::simConfig;
using tt::test::StreamConn;

namespace {

// A Prometheus text exposition, parsed strictly: `# TYPE`/`# HELP` comments, blank lines, and
// `name{labels} value` samples. Returns samples by their full name with labels.
std::map<std::string, double> parsePrometheus(const std::string& text, bool* ok) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  *ok = true;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    if (line[0] == '#') {
      std::istringstream c(line);
      std::string hash, kind, name, type;
      c >> hash >> kind >> name >> type;
      if (kind == "TYPE" && type != "counter" && type != "gauge" && type != "histogram" &&
          type != "summary") {
        *ok = false;
      }
      continue;
    }
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) {
      *ok = false;
      continue;
    }
    const std::string key = line.substr(0, space);
    const size_t brace = key.find('{');
    const std::string name = key.substr(0, brace);
    for (const char ch : name) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != ':') {
        *ok = false;
      }
    }
    if (brace != std::string::npos && key.back() != '}') {
      *ok = false;
    }
    char* end = nullptr;
    const std::string value = line.substr(space + 1);
    const double v = value == "+Inf" ? INFINITY : std::strtod(value.c_str(), &end);
    if (value != "+Inf" && (end == nullptr || *end != '\0')) {
      *ok = false;
    }
    samples[key] = v;
  }
  return samples;
}

} // namespace

// At most 16 sequences decode at once (v3 without prefill chunking, where TGI honours
// --max-batch-size), so the other 184 streams wait in the queue (README.md, "Pacing").
TEST_CASE("200 concurrent streams at --time-scale 20 follow the scaled forward schedule, no token "
          "early") {
  constexpr int kStreams = 200;
  constexpr double kScale = 20;
  ForwardLog log;
  ServerThread server(simConfig({"--time-scale", "20", "--max-concurrent-requests", "256",
                                 "--prefill-chunking", "off", "--max-batch-size", "16"}),
                      &log);

  tt::LoopGuard loop;
  tt::MonotonicClock clock;
  std::vector<std::unique_ptr<StreamConn>> streams;
  for (int i = 0; i < kStreams; ++i) {
    const std::string body = R"({"inputs":"Stream number )" + std::to_string(i) +
                             R"( says hello","parameters":{"max_new_tokens":)" +
                             std::to_string(10 + i) + R"(,"details":true}})";
    streams.push_back(std::make_unique<StreamConn>(
        *loop.get(), clock, server.port(), tt::test::postRequest("/generate_stream", body)));
  }
  uv_run(loop.get(), UV_RUN_DEFAULT); // ends when every stream closed

  int64_t generatedTotal = 0;
  for (int i = 0; i < kStreams; ++i) {
    INFO("stream " << i);
    REQUIRE(streams[i]->done());
    REQUIRE(streams[i]->status() == 200);
    REQUIRE(streams[i]->events().size() == static_cast<size_t>(10 + i));
    const json last = json::parse(streams[i]->events().back());
    CHECK(last["details"]["finish_reason"] == "length");
    CHECK(last["details"]["generated_tokens"] == 10 + i);
    generatedTotal += 10 + i;
  }

  const auto metricsReply = tt::test::get(server.port(), "/metrics");
  REQUIRE(metricsReply.status == 200);
  server.stop();
  REQUIRE(server.loopClosed());

  // The forwards are back to back in virtual time while there is work, each scheduled to end at
  // its virtual end scaled to real time (rounded up to the nanosecond), and none ended early.
  const auto& forwards = log.forwards;
  REQUIRE(!forwards.empty());
  const auto scaledNs = [&](const ForwardLog::Forward& f) {
    const int64_t endUs = f.record.startUs + f.record.durationUs;
    return static_cast<int64_t>(std::ceil(static_cast<double>(endUs) * 1000.0 / kScale));
  };
  const int64_t originNs = forwards[0].intendedNs - scaledNs(forwards[0]);
  for (size_t f = 0; f < forwards.size(); ++f) {
    INFO("forward " << f);
    if (f > 0) {
      const auto& prev = forwards[f - 1].record;
      CHECK(forwards[f].record.startUs >= prev.startUs + prev.durationUs);
    }
    CHECK(forwards[f].intendedNs == originNs + scaledNs(forwards[f]));
    CHECK(forwards[f].firedNs >= forwards[f].intendedNs);
  }

  // Each stream's requests, identified by their token count (10 + i is unique).
  std::map<size_t, const std::vector<size_t>*> byCount;
  for (const auto& [id, list] : log.tokenForwards) {
    byCount[list.size()] = &list;
  }
  for (int i = 0; i < kStreams; ++i) {
    INFO("stream " << i);
    const auto it = byCount.find(static_cast<size_t>(10 + i));
    REQUIRE(it != byCount.end());
    const std::vector<size_t>& at = *it->second;
    const std::vector<int64_t>& arrivals = streams[i]->times();
    REQUIRE(arrivals.size() == at.size());
    for (size_t k = 0; k < at.size(); ++k) {
      // No token reaches its client before the end of the forward that made it.
      CHECK(arrivals[k] >= forwards[at[k]].intendedNs);
      if (k == 0) {
        continue;
      }
      // Once decoding, a request gets a token from every forward but the prefills that pause
      // the batch to admit others.
      REQUIRE(at[k] > at[k - 1]);
      for (size_t f = at[k - 1] + 1; f < at[k]; ++f) {
        CHECK(forwards[f].record.decodeSeqs == 0);
      }
    }
  }

  // /metrics parses as Prometheus text and counts what was served.
  bool ok = false;
  const auto samples = parsePrometheus(metricsReply.body, &ok);
  CHECK(ok);
  CHECK(samples.at("tgi_request_count") == kStreams);
  CHECK(samples.at("tgi_request_success") == kStreams);
  CHECK(samples.at("tgi_request_generated_tokens_count") == kStreams);
  CHECK(samples.at("tgi_request_generated_tokens_sum") == static_cast<double>(generatedTotal));
  CHECK(samples.at("tgi_request_input_length_count") == kStreams);
  CHECK(samples.at("tgi_request_duration_count") == kStreams);
  CHECK(samples.at("tgi_request_duration_bucket{le=\"+Inf\"}") == kStreams);
  CHECK(samples.at("tgi_queue_size") == 0);
  CHECK(samples.at("tgi_batch_current_size") == 0);
  CHECK(samples.count("tgi_batch_max_total_tokens") == 1);
  double prefill = samples.at("tgi_batch_inference_count{method=\"prefill\"}");
  double decode = samples.at("tgi_batch_inference_count{method=\"decode\"}");
  CHECK(prefill + decode == static_cast<double>(forwards.size()));
  CHECK(samples.count("tgi_request_failure{err=\"dropped\"}") == 0);
  REQUIRE(loop.close() == 0);
}
