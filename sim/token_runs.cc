#include "sim/token_runs.h"

#include "sim/prefix_hash.h"

#include <algorithm>

namespace tt::sim {

void appendRun(std::vector<TokenRun>& runs, uint64_t id, int64_t offset, int64_t length) {
  if (length <= 0) {
    return;
  }
  if (!runs.empty() && runs.back().id == id && runs.back().offset + runs.back().length == offset) {
    runs.back().length += length;
    return;
  }
  runs.push_back({.id = id, .offset = offset, .length = length});
}

int64_t tokenCount(std::span<const TokenRun> runs) {
  int64_t n = 0;
  for (const TokenRun& r : runs) {
    n += r.length;
  }
  return n;
}

std::vector<TokenRun> sliceRuns(std::span<const TokenRun> runs, int64_t from, int64_t to) {
  RunCursor c(runs, to);
  c.skip(from);
  return c.take(to - from);
}

RunCursor::RunCursor(std::span<const TokenRun> runs, int64_t limit)
    : runs_(runs), left_(std::min(limit, tokenCount(runs))) {}

void RunCursor::skip(int64_t tokens) {
  tokens = std::min(tokens, left_);
  left_ -= tokens;
  while (tokens > 0) {
    const int64_t step = std::min(tokens, runs_[run_].length - within_);
    tokens -= step;
    within_ += step;
    if (within_ == runs_[run_].length) {
      ++run_;
      within_ = 0;
    }
  }
}

std::vector<TokenRun> RunCursor::take(int64_t tokens) const {
  std::vector<TokenRun> out;
  tokens = std::min(tokens, left_);
  size_t run = run_;
  int64_t within = within_;
  while (tokens > 0) {
    const TokenRun& r = runs_[run];
    const int64_t step = std::min(tokens, r.length - within);
    appendRun(out, r.id, r.offset + within, step);
    tokens -= step;
    ++run;
    within = 0;
  }
  return out;
}

uint64_t RunCursor::key(int64_t tokens) const {
  // The pieces are those take() would return: neighbours of a canonical list never merge.
  uint64_t h = 0x3c6ef372fe94f82bULL;
  tokens = std::min(tokens, left_);
  size_t run = run_;
  int64_t within = within_;
  while (tokens > 0) {
    const TokenRun& r = runs_[run];
    const int64_t step = std::min(tokens, r.length - within);
    h = mixHash(mixHash(mixHash(h, r.id), static_cast<uint64_t>(r.offset + within)),
                static_cast<uint64_t>(step));
    tokens -= step;
    ++run;
    within = 0;
  }
  return h;
}

int64_t commonTokens(RunCursor a, RunCursor b) {
  int64_t n = 0;
  while (a.left_ > 0 && b.left_ > 0) {
    const TokenRun& x = a.runs_[a.run_];
    const TokenRun& y = b.runs_[b.run_];
    if (x.id != y.id || x.offset + a.within_ != y.offset + b.within_) {
      break;
    }
    const int64_t step = std::min({x.length - a.within_, y.length - b.within_, a.left_, b.left_});
    n += step;
    a.skip(step);
    b.skip(step);
  }
  return n;
}

} // namespace tt::sim
