#include "proxy/sha256.h"

#include <catch2/catch.hpp>

#include <string>

namespace tt::proxy {

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
TEST_CASE("SHA-256 matches the FIPS 180-4 example vectors", "[sha256]") {
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256Hex(
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
            "nopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(sha256Hex(std::string(1'000'000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(sha256Hex(std::string(1, '\xbd')) ==
        "68325720aabd7c82f30f554b313d0570c95accbb7dc4b5aae11204c08ffe732b");
  CHECK(sha256Hex(std::string(55, '\0')) ==
        "02779466cdec163811d078815c633f21901413081449002f24aa3e80f0b88ef7");
  CHECK(sha256Hex(std::string(56, '\0')) ==
        "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb");
  CHECK(sha256Hex(std::string(57, '\0')) ==
        "65a16cb7861335d5ace3c60718b5052e44660726da4cd13bb745381b235a1785");
  CHECK(sha256Hex(std::string(64, '\0')) ==
        "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
  CHECK(sha256Hex(std::string(1000, '\0')) ==
        "541b3e9daa09b20bf85fa273e5cbd3e80185aa4ec298e765db87742b70138a53");
  CHECK(sha256Hex(std::string(1000, 'A')) ==
        "c2e686823489ced2017f6059b8b239318b6364f6dcd835d0a519105a1eadd6e4");
  CHECK(sha256Hex(std::string(1005, 'U')) ==
        "f4d62ddec0f3dd90ea1380fa16a5ff8dc4c54b21740650f24afc4120903552b0");
}

TEST_CASE("SHA-256 is independent of how the input is split", "[sha256]") {
  std::string data;
  for (int i = 0; i < 3000; ++i) {
    data.push_back(static_cast<char>(i * 31 + 7));
  }
  const std::string whole = sha256Hex(data);
  for (size_t step : {1u, 3u, 63u, 64u, 65u, 127u, 1000u}) {
    Sha256 s;
    for (size_t i = 0; i < data.size(); i += step) {
      s.update(std::string_view(data).substr(i, step));
    }
    CHECK(s.finishHex() == whole);
  }
}

} // namespace tt::proxy
