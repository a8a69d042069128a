#include "sim/builtin_profiles.h"
#include "sim/profile_source.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace tt::sim;

namespace {
std::string readShared(const std::string& rel) {
  std::ifstream in(std::string(TT_SHARED_DIR) + "/" + rel);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
} // namespace

// The worst relative error each fit reaches (sim/README.md explains why the 5% target is not
// reachable on every row of these files: rows with nearly the same shape differ by more).
TEST_CASE("one functional form fits every row of every profile") {
  struct Expect {
    const char* name;
    double maxError;   // bound on every row
    size_t within5pct; // rows within 5%, at least
  };
  const Expect expected[] = {{"h100-llama3-8b", 0.165, 50},
                             {"h100-qwen2.5-14b", 0.10, 42},
                             {"h100-qwen2.5-32b", 0.07, 38}};
  for (const auto& e : expected) {
    const auto fit = resolveProfile(e.name);
    const auto profile =
        parseProfile(readShared(std::string("profiles/") + e.name + ".csv"), e.name);
    REQUIRE(fit.rowErrors.size() == profile.rows.size());
    size_t within = 0;
    for (size_t i = 0; i < profile.rows.size(); ++i) {
      const double predicted = fit.model.forwardMs(shapeOf(profile.rows[i]));
      const double err = predicted / profile.rows[i].ms - 1;
      INFO(e.name << " line " << profile.rows[i].line << " err " << err);
      CHECK(std::abs(err) <= e.maxError);
      within += std::abs(err) <= 0.05 ? 1 : 0;
    }
    INFO(e.name << " rows within 5%: " << within << " of " << profile.rows.size());
    CHECK(within >= e.within5pct);
  }
}

namespace {
// The least worst-row error any model that never gets faster with more work can reach: for two
// rows of the same path where `b` does at least the work of `a` (every shape feature >=) but is
// measured faster, one of them is off by at least (a - b) / (a + b). Returns the worst pair.
struct Inversion {
  double bound = 0;
  int slowLine = 0;
  int fastLine = 0;
};
Inversion worstInversion(const Profile& p, bool sameChunkOnly) {
  Inversion worst;
  for (const auto& a : p.rows) {
    for (const auto& b : p.rows) {
      if (a.phase != b.phase || b.ms >= a.ms || b.batch < a.batch || b.context < a.context) {
        continue;
      }
      const int64_t chunkA = a.phase == ProfileRow::Phase::Mixed ? a.tokens - a.batch : a.tokens;
      const int64_t chunkB = b.phase == ProfileRow::Phase::Mixed ? b.tokens - b.batch : b.tokens;
      if (a.phase == ProfileRow::Phase::Prefill && b.tokens < a.tokens) {
        continue; // prefill: total tokens and per-sequence length (batch may differ)
      }
      if (chunkB < chunkA || (sameChunkOnly && chunkB != chunkA)) {
        continue;
      }
      const double bound = (a.ms - b.ms) / (a.ms + b.ms);
      if (bound > worst.bound) {
        worst = {bound, a.line, b.line};
      }
    }
  }
  return worst;
}
} // namespace

// Why the 5% target is out of reach on the llama file (sim/README.md): its launch-bound mixed rows
// get faster with more work, by more than any monotone form can absorb.
TEST_CASE("the profiles bound what a monotone cost model can reach") {
  const auto llama = parseProfile(readShared("profiles/h100-llama3-8b.csv"), "llama");
  const Inversion any = worstInversion(llama, false);
  CHECK(any.slowLine == 45); // mixed, 8 decoding + 16-token chunk: 21.25 ms
  CHECK(any.fastLine == 51); // mixed, 32 decoding + 256-token chunk: 15.40 ms
  CHECK(any.bound == Approx(0.159).margin(0.001));
  // Even a regime switch on the chunk length leaves the same chunk with 4x the decoding
  // sequences 22% faster.
  const Inversion sameChunk = worstInversion(llama, true);
  CHECK(sameChunk.slowLine == 46); // 8 decoding + 256: 19.68 ms
  CHECK(sameChunk.fastLine == 51);
  CHECK(sameChunk.bound == Approx(0.122).margin(0.001));
  // The Qwen files do not rule 5% out: there the functional form is the limit.
  CHECK(worstInversion(parseProfile(readShared("profiles/h100-qwen2.5-14b.csv"), "q14"), false)
            .bound == Approx(0.032).margin(0.001));
  CHECK(worstInversion(parseProfile(readShared("profiles/h100-qwen2.5-32b.csv"), "q32"), false)
            .bound < 0.002);
}

TEST_CASE("the built-in profiles are the files in shared/profiles") {
  for (const auto& builtin : builtinProfiles()) {
    CHECK(std::string(builtin.csv) == readShared("profiles/" + std::string(builtin.name) + ".csv"));
  }
  CHECK(builtinProfiles().front().name == kDefaultProfile);
}

TEST_CASE("bad profiles fail with one line naming the line and the reason") {
  const std::string header = "model,phase,batch,context,tokens,ms\n";
  auto message = [](const std::string& text) {
    try {
      parseProfile(text, "p.csv");
    } catch (const ProfileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("# comment\nfoo\n") ==
        "p.csv:2: expected the header 'model,phase,batch,context,tokens,ms'");
  CHECK(message(header + "m,decode,1,512,1,6.9\nm,sideways,1,1,1,1\n") ==
        "p.csv:3: phase must be decode, prefill or mixed, got 'sideways'");
  CHECK(message(header + "m,decode,1,512,1\n") ==
        "p.csv:2: expected 6 fields (model,phase,batch,context,tokens,ms), got 5");
  CHECK(message(header + "m,decode,1,512,1,-3\n") ==
        "p.csv:2: ms must be a positive number, got '-3'");
  CHECK(message(header + "m,prefill,2,512,512,10\n") ==
        "p.csv:2: a prefill row must have tokens == batch x context");
  CHECK_THROWS_WITH(fitProfile(parseProfile(header + "m,decode,1,512,1,6.9\n", "d.csv")),
                    "d.csv:1: the profile needs decode, prefill and mixed rows to fit the model");
  CHECK_THROWS_WITH(resolveProfile("/nonexistent/x.csv"),
                    Catch::StartsWith("/nonexistent/x.csv: not a built-in profile"));
}

TEST_CASE("CUDA graph padding: decode cost steps at graph sizes, eager past the largest") {
  const auto fit = resolveProfile(kDefaultProfile);
  const std::vector<int64_t> graphs = {1, 2, 4, 8, 16, 32};
  CHECK(graphBatchFor(graphs, 3) == 4);
  CHECK(graphBatchFor(graphs, 32) == 32);
  CHECK(graphBatchFor(graphs, 33) == 0);
  ForwardShape a{.decodeSeqs = 5, .kvTokens = 5 * 512, .maxContext = 512, .graphBatch = 8};
  ForwardShape b = a;
  b.decodeSeqs = 8;
  b.kvTokens = 8 * 512;
  // Padded to the same graph, only the attended KV differs.
  CHECK(fit.model.forwardMs(a) <= fit.model.forwardMs(b));
  CHECK(fit.model.forwardMs(b) - fit.model.forwardMs(a) < 0.05);
}

TEST_CASE("a scaled cost model times every forward by exactly the factor") {
  for (const char* name : {"h100-llama3-8b", "h100-qwen2.5-32b"}) {
    const auto fit = resolveProfile(name);
    const CostModel slower = fit.model.scaled(1.1);
    const auto profile = parseProfile(readShared(std::string("profiles/") + name + ".csv"), name);
    for (const auto& row : profile.rows) { // decode, prefill and mixed shapes, graphs and eager
      const ForwardShape shape = shapeOf(row);
      CHECK(slower.forwardMs(shape) == Approx(1.1 * fit.model.forwardMs(shape)).epsilon(1e-9));
    }
  }
}
