#include "sim/prompt_identity.h"

#include "sim/prefix_hash.h"

#include <algorithm>

namespace tt::sim {
namespace {

// Salts that keep the identities of different origins apart.
constexpr uint64_t kTraceSalt = 0x452821e638d01377ULL;
constexpr uint64_t kPromptSalt = 0xbe5466cf34e90c6cULL;
constexpr uint64_t kGeneratedSalt = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kWindowSalt = 0xc0ac29b7c97c50ddULL;

} // namespace

std::vector<TokenRun> promptRuns(const PromptIdentity& p) {
  std::vector<TokenRun> runs;
  const auto request = static_cast<uint64_t>(p.request);
  if (p.jobInputTokens < p.jobPromptTokens) {
    const uint64_t window =
        mixHash(mixHash(kWindowSalt, request), static_cast<uint64_t>(p.jobPromptTokens));
    appendRun(runs, window, 0, p.jobInputTokens);
    return runs;
  }
  const int64_t original = std::min(p.originalTokens, p.jobInputTokens);
  int64_t covered = 0;
  if (p.hashTokens > 0) {
    for (const uint64_t hash : p.hashes) {
      if (covered >= original) {
        break;
      }
      const int64_t length = std::min(p.hashTokens, original - covered);
      appendRun(runs, mixHash(kTraceSalt, hash), 0, length);
      covered += length;
    }
  }
  appendRun(runs, mixHash(kPromptSalt, request), covered, original - covered);
  appendRun(runs, mixHash(kGeneratedSalt, request), 0, p.jobInputTokens - original);
  return runs;
}

} // namespace tt::sim
