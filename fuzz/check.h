#pragma once
// The harnesses' one assertion. A broken invariant aborts: libFuzzer reports it as a crash and
// saves the input, and the regression runner (fuzz/regress_main.cc) fails its ctest test.

#include <cstdio>
#include <cstdlib>

namespace tt::fuzz {

[[noreturn]] inline void invariantBroken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

} // namespace tt::fuzz

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : ::tt::fuzz::invariantBroken(#cond, __FILE__, __LINE__))
