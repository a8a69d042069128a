#pragma once

#include "sim/token_runs.h"

#include <cstdint>
#include <span>
#include <vector>

namespace tt::sim {

// What the prefix cache knows of a job's prompt (sim/README.md, "Prefix cache").
struct PromptIdentity {
  int32_t request = -1;       // the scheduler's request id (unique, never reused)
  int64_t originalTokens = 0; // the request's own prompt
  // Trace prefix ids, each for `hashTokens` tokens of the original prompt (the last one may
  // cover fewer).
  std::span<const uint64_t> hashes;
  int64_t hashTokens = 0;
  // This job's prompt before truncation: the original plus the text earlier jobs generated.
  int64_t jobPromptTokens = 0;
  int64_t jobInputTokens = 0; // after (left) truncation: what the job computes
};

// The token identities of a job's prompt. The trace's prefix ids name the tokens they cover
// (shared with any request that has the same ids); the rest of the original prompt is the
// request's own, and so are the generated tokens a continuation job adds. A left-truncated
// prompt is a window no other job starts with: its own identity.
std::vector<TokenRun> promptRuns(const PromptIdentity& p);

} // namespace tt::sim
