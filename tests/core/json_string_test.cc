#include "core/json_string.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>

using nlohmann::json;

namespace {

std::string asJson(std::string_view text) {
  std::string out;
  tt::appendJsonString(out, text);
  return out;
}

std::string nlohmannDump(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

TEST_CASE("appendJsonString escapes what JSON requires and keeps UTF-8") {
  CHECK(asJson("") == R"("")");
  CHECK(asJson("text/event-stream") == R"("text/event-stream")");
  CHECK(asJson("a\"b\\c") == R"("a\"b\\c")");
  CHECK(asJson("\b\f\n\r\t\x01\x1f") == R"("\b\f\n\r\t\u0001\u001f")");
  CHECK(asJson("h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST_CASE("appendJsonString replaces bytes that are not UTF-8 with U+FFFD") {
  CHECK(asJson("a\xFF"
               "b") == "\"a\xEF\xBF\xBD"
                       "b\"");
  CHECK(asJson("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                 // overlong '/'
  CHECK(asJson("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); // a surrogate
}

TEST_CASE("appendJsonString agrees with nlohmann::json on random bytes") {
  std::mt19937 random(7);
  // Mostly ASCII with UTF-8 sequences and stray high bytes, the shapes header values take.
  const std::vector<std::string> pieces = {
      "a",    "Z",    " ",        "\"",           "\\",
      "\n",   "\x7f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
      "\xFF", "\xC3", "\xE2\x82", "\x80",         "\x01"};
  for (int i = 0; i < 20'000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 12);
    for (int k = 0; k < length; ++k) {
      text += pieces[random() % pieces.size()];
    }
    INFO(text.size() << " bytes");
    const std::string ours = asJson(text);
    CHECK(json::parse(ours, nullptr, false).is_string());
    CHECK(ours == nlohmannDump(text));
  }
}
