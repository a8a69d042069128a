#pragma once

namespace tt::test {

// True in the AddressSanitizer and ThreadSanitizer builds, which run several times slower: tests
// of millisecond timing loosen or skip their timing checks there (the build checks memory and
// races, the plain build checks time).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

} // namespace tt::test
