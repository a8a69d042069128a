#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tt::sim {

// The tokenizer is not modelled, so a prompt's tokens are identities: token k of a run is
// (id, offset + k). Two prompts share a token where both identities are equal. A prompt is a
// list of runs, kept canonical by appendRun (no two neighbours continue each other), so that the
// same tokens always have the same runs.
struct TokenRun {
  uint64_t id = 0;
  int64_t offset = 0;
  int64_t length = 0;
};

// Appends `length` tokens (id, offset), (id, offset + 1), ... to `runs`, merged into the last
// run when they continue it.
void appendRun(std::vector<TokenRun>& runs, uint64_t id, int64_t offset, int64_t length);

int64_t tokenCount(std::span<const TokenRun> runs);

// Tokens [from, to) of `runs`, canonical.
std::vector<TokenRun> sliceRuns(std::span<const TokenRun> runs, int64_t from, int64_t to);

// A read position in the first `limit` tokens of a list of runs.
class RunCursor {
public:
  RunCursor(std::span<const TokenRun> runs, int64_t limit);

  int64_t remaining() const { return left_; }
  void skip(int64_t tokens);
  // The runs of the next `tokens` tokens, canonical.
  std::vector<TokenRun> take(int64_t tokens) const;
  // A key naming the next `tokens` tokens (at most remaining()).
  uint64_t key(int64_t tokens) const;
  // How many tokens from here are the same in both.
  friend int64_t commonTokens(RunCursor a, RunCursor b);

private:
  std::span<const TokenRun> runs_;
  size_t run_ = 0;
  int64_t within_ = 0; // tokens of runs_[run_] already passed
  int64_t left_ = 0;
};

} // namespace tt::sim
